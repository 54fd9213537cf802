//! A Cognito-compatible identity provider for the embedded moodchat server.
//!
//! It speaks the Cognito Identity Provider JSON protocol (SignUp, SRP sign-in,
//! refresh, password reset, sign-out) so that unmodified Cognito clients work
//! against it with only the endpoint URL changed, and it issues RS256 tokens
//! with Cognito's claims, verifiable through its JWKS exactly like Cognito's.
//!
//! ```no_run
//! # fn main() -> Result<(), moodchat_idp::IdpError> {
//! let mut config = moodchat_idp::IdpConfig::new("/var/lib/moodchat");
//! config.issuer_base = "http://127.0.0.1:8080/idp".into();
//! let idp = moodchat_idp::Idp::open(config)?;
//! // nest_service (unlike nest) also routes "/idp/" to the API, for clients
//! // configured with a trailing slash.
//! let app: axum::Router = axum::Router::new().nest_service("/idp", idp.router::<()>());
//! # let _ = app; Ok(()) }
//! ```

mod api;
mod challenges;
mod clock;
mod codes;
mod config;
mod credentials;
mod error;
mod keys;
mod limits;
mod lockout;
mod outbox;
mod password_policy;
mod revocation;
mod srp;
mod store;
mod text;
mod timestamp;
mod tokens;

use std::sync::Arc;

use rand::RngCore;
use time::OffsetDateTime;

pub use challenges::ChallengeBounds;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::IdpConfig;
pub use error::IdpError;
pub use keys::KEY_FILE_NAME;
pub use limits::IdpLimits;
/// What the embedding server puts in a request's extensions to say where it
/// came from; the per-client limits key on it.
pub use moodchat_limits::ClientAddress;
pub use outbox::{OutboxMessage, OUTBOX_FILE_NAME};
pub use revocation::Revocation;

/// File name of the SQLite database inside the data directory.
pub const DATABASE_FILE_NAME: &str = "idp.sqlite3";

/// The identity provider. Cheap to clone (shared state behind an `Arc`).
#[derive(Clone)]
pub struct Idp {
    inner: Arc<Inner>,
}

/// Everything a request handler needs.
pub(crate) struct Inner {
    config: IdpConfig,
    issuer: String,
    /// The part of the pool id after '_', mixed into SRP.
    pool_name: String,
    store: store::Store,
    keys: keys::SigningKeys,
    outbox: outbox::Outbox,
    challenges: challenges::Challenges,
    limiters: limits::Limiters,
    clock: Arc<dyn Clock>,
    revocations: revocation::Revocations,
    /// Random per-installation secret: keys the code MACs and derives the
    /// stable fake salt and id of unknown users.
    secret: Vec<u8>,
}

impl Inner {
    fn now_datetime(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Unix seconds.
    fn now(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }
}

impl Idp {
    /// Opens the provider on the wall clock. Blocking: creates the data
    /// directory, opens and migrates the database and, on first start,
    /// generates the RSA signing key (a second or more in debug builds).
    pub fn open(config: IdpConfig) -> Result<Self, IdpError> {
        Self::open_with_clock(config, Arc::new(SystemClock))
    }

    /// Opens the provider on a given clock (tests use [`ManualClock`]).
    pub fn open_with_clock(config: IdpConfig, clock: Arc<dyn Clock>) -> Result<Self, IdpError> {
        let pool_name = srp::pool_name(&config.user_pool_id)
            .ok_or_else(|| {
                IdpError::InvalidConfig(format!(
                    "user_pool_id {:?} must look like <region>_<name>",
                    config.user_pool_id
                ))
            })?
            .to_owned();
        if config.client_id.is_empty() {
            return Err(IdpError::InvalidConfig(
                "client_id must not be empty".into(),
            ));
        }
        for (name, ttl) in [
            ("id_token_ttl", config.id_token_ttl),
            ("access_token_ttl", config.access_token_ttl),
            ("refresh_token_ttl", config.refresh_token_ttl),
        ] {
            if ttl.as_secs() == 0 {
                return Err(IdpError::InvalidConfig(format!(
                    "{name} must be at least one second"
                )));
            }
        }
        std::fs::create_dir_all(&config.data_dir).map_err(|source| IdpError::Io {
            path: config.data_dir.clone(),
            source,
        })?;

        let store = store::Store::open(&config.data_dir.join(DATABASE_FILE_NAME))?;
        let secret = store.meta_get_or_insert("installation_secret", || {
            let mut secret = vec![0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut secret);
            secret
        })?;
        let keys = keys::SigningKeys::load_or_create(&config.data_dir)?;
        let outbox = outbox::Outbox::new(config.data_dir.join(OUTBOX_FILE_NAME));
        let removed = store.prune_expired_families(clock.now().unix_timestamp())?;
        if removed > 0 {
            tracing::debug!(removed, "idp: forgot expired refresh tokens");
        }
        let a_day_ago = clock.now().unix_timestamp() - 24 * 60 * 60;
        store.prune_unknown_logins(a_day_ago)?;

        let challenges = challenges::Challenges::new(config.limits.challenges);
        let limiters = limits::Limiters::new(&config.limits);
        Ok(Self {
            inner: Arc::new(Inner {
                issuer: config.issuer(),
                pool_name,
                config,
                store,
                keys,
                outbox,
                challenges,
                limiters,
                clock,
                revocations: revocation::Revocations::default(),
                secret,
            }),
        })
    }

    /// The HTTP API, to be mounted at the path of `issuer_base`, preferably
    /// with `Router::new().nest_service("/idp", idp.router::<()>())`: axum's
    /// `nest` would answer 404 to `POST /idp/` (trailing slash).
    ///
    /// - `POST /` — the Cognito IdP JSON API (`X-Amz-Target` header), with CORS
    /// - `GET /<pool id>/.well-known/jwks.json`
    /// - `GET /<pool id>/.well-known/openid-configuration`
    /// - `GET /outbox?email=<address>` — only when `dev_outbox` is on
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> axum::Router<S> {
        api::router(self.inner.clone())
    }

    /// Calls `listener` whenever sign-in sessions end (GlobalSignOut, a
    /// password reset, RevokeToken), right after that is stored: the server
    /// closes the WebSockets those sessions opened.
    pub fn on_revocation(&self, listener: impl Fn(&Revocation) + Send + Sync + 'static) {
        self.inner.revocations.listen(Arc::new(listener));
    }

    /// `iss` of every token: `<issuer_base>/<user_pool_id>`.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The app client id: `aud` of ID tokens, `client_id` of access tokens.
    pub fn client_id(&self) -> &str {
        &self.inner.config.client_id
    }

    pub fn user_pool_id(&self) -> &str {
        &self.inner.config.user_pool_id
    }

    pub fn region(&self) -> &str {
        &self.inner.config.region
    }

    /// `<issuer>/.well-known/jwks.json`.
    pub fn jwks_uri(&self) -> String {
        format!("{}/.well-known/jwks.json", self.inner.issuer)
    }

    /// The JWK set that verifies every token this provider signs, for
    /// in-process verification without an HTTP round trip.
    pub fn jwks_json(&self) -> serde_json::Value {
        self.inner.keys.jwks()
    }

    /// Codes delivered so far, oldest first; only those sent to `email`
    /// (case-insensitive) when given. Reads `<data_dir>/outbox.jsonl`.
    pub fn outbox_messages(&self, email: Option<&str>) -> std::io::Result<Vec<OutboxMessage>> {
        self.inner.outbox.messages(email)
    }

    /// The most recent code sent to `email`, if any.
    pub fn latest_code(&self, email: &str) -> std::io::Result<Option<String>> {
        Ok(self.outbox_messages(Some(email))?.pop().map(|m| m.code))
    }
}

impl std::fmt::Debug for Idp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idp")
            .field("issuer", &self.inner.issuer)
            .field("client_id", &self.inner.config.client_id)
            .finish_non_exhaustive()
    }
}
