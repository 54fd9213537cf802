//! What the embedding server decides about the identity provider.

use std::path::PathBuf;
use std::time::Duration;

/// Configuration of one user pool with one app client (no client secret, as
/// for a browser SPA).
#[derive(Debug, Clone)]
pub struct IdpConfig {
    /// Directory holding `idp.sqlite3`, the signing key and `outbox.jsonl`.
    /// Created if missing.
    pub data_dir: PathBuf,
    /// Public URL under which the router is mounted, e.g.
    /// `http://127.0.0.1:8080/idp`. The token issuer is
    /// `<issuer_base>/<user_pool_id>`, exactly like Cognito's
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    pub issuer_base: String,
    /// Region label; only informational for the embedded provider.
    pub region: String,
    /// Pool id in Cognito's `<region>_<name>` form; the part after `_` is
    /// mixed into the SRP verifier, so changing it invalidates passwords.
    pub user_pool_id: String,
    /// The only accepted app client id.
    pub client_id: String,
    /// Confirm (and verify the email of) new users at sign-up, like a
    /// pre-sign-up trigger answering autoConfirmUser + autoVerifyEmail.
    pub auto_confirm: bool,
    /// Serve `GET /outbox` (codes "sent" to users) on the router. For
    /// development and tests only: it hands out everyone's codes.
    pub dev_outbox: bool,
    /// Lifetime of ID tokens (Cognito default 1 h).
    pub id_token_ttl: Duration,
    /// Lifetime of access tokens (Cognito default 1 h).
    pub access_token_ttl: Duration,
    /// Lifetime of refresh tokens (Cognito default 30 days).
    pub refresh_token_ttl: Duration,
    /// Rate limits of the unauthenticated operations and the bounds of the
    /// pending sign-in challenges.
    pub limits: crate::IdpLimits,
}

impl IdpConfig {
    /// Defaults for the embedded server on `127.0.0.1:8080`: pool
    /// `local_moodchat`, client `web`, Cognito's token lifetimes, no
    /// auto-confirmation, no dev outbox route.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            issuer_base: "http://127.0.0.1:8080/idp".to_owned(),
            region: "local".to_owned(),
            user_pool_id: "local_moodchat".to_owned(),
            client_id: "web".to_owned(),
            auto_confirm: false,
            dev_outbox: false,
            id_token_ttl: Duration::from_secs(60 * 60),
            access_token_ttl: Duration::from_secs(60 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 60 * 60),
            limits: crate::IdpLimits::default(),
        }
    }

    /// `<issuer_base>/<user_pool_id>`, the `iss` of every token.
    pub fn issuer(&self) -> String {
        format!(
            "{}/{}",
            self.issuer_base.trim_end_matches('/'),
            self.user_pool_id
        )
    }
}
