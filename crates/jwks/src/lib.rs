//! Verifying Cognito id tokens the way API Gateway's Cognito authorizer does:
//! RS256 only, the signing key picked by `kid` from the pool's JWKS, `iss` and
//! `aud` must match, `token_use` must be `id`, and `exp` must be in the future.
//! Every failure is the same `401 unauthorized`; the reason goes to the log
//! (debug), never to the client.
//!
//! Its own crate so that every home verifies the same way: the embedded
//! server, and on AWS the WebSocket `$connect` authorizer and the HTTP
//! function (crates/aws). It depends on the core's `TokenVerifier` port only.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use moodchat_core::error::unauthorized;
use moodchat_core::{Identity, TokenVerifier, VerifiedToken};
use moodchat_protocol::names::display_name;
use moodchat_protocol::ApiError;
use serde::Deserialize;

/// Clock skew tolerated on `exp`, in seconds.
const LEEWAY_SECS: u64 = 60;
/// An unknown `kid` triggers a JWKS refetch (key rotation), at most this often.
const REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// The same for an in-process provider, which is cheap to ask.
const PROVIDER_REFETCH_INTERVAL: Duration = Duration::from_secs(1);

/// A JSON Web Key Set as Cognito publishes it at `<iss>/.well-known/jwks.json`.
#[derive(Debug, Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    n: Option<String>,
    e: Option<String>,
    #[serde(rename = "use")]
    key_use: Option<String>,
}

/// The id token claims we read. Everything else in the token is ignored.
#[derive(Debug, Deserialize)]
struct IdClaims {
    sub: String,
    token_use: String,
    #[serde(rename = "cognito:username")]
    username: Option<String>,
    name: Option<String>,
    email: Option<String>,
    exp: i64,
    /// The sign-in session (Cognito's tokens carry it; others may not).
    origin_jti: Option<String>,
}

/// RSA signing keys by `kid`.
fn parse_jwks(json: &str) -> Result<HashMap<String, DecodingKey>, String> {
    let set: JwkSet = serde_json::from_str(json).map_err(|error| format!("JWKS is not valid JSON: {error}"))?;
    let mut keys = HashMap::new();
    for jwk in set.keys {
        if jwk.kty != "RSA" || jwk.key_use.as_deref().is_some_and(|u| u != "sig") {
            continue;
        }
        let (Some(kid), Some(n), Some(e)) = (jwk.kid, jwk.n, jwk.e) else { continue };
        let key = DecodingKey::from_rsa_components(&n, &e).map_err(|error| format!("JWKS key {kid}: {error}"))?;
        keys.insert(kid, key);
    }
    Ok(keys)
}

/// A function returning the current JWKS document (e.g. the embedded IdP's).
pub type JwksProvider = Arc<dyn Fn() -> String + Send + Sync>;

/// Where the keys come from.
enum KeySource {
    /// Handed over once, in memory.
    Fixed,
    /// Asked in-process again when an unknown `kid` shows up (key rotation).
    Provider { provider: JwksProvider, last_fetch: RwLock<Option<Instant>> },
    /// Fetched over HTTP(S) and refetched when an unknown `kid` shows up.
    Url { url: String, client: reqwest::Client, last_fetch: RwLock<Option<Instant>> },
}

pub struct JwksVerifier {
    issuer: String,
    audience: String,
    keys: RwLock<HashMap<String, DecodingKey>>,
    source: KeySource,
}

impl JwksVerifier {
    /// Keys from a JWKS document held in memory, e.g. the embedded IdP's.
    pub fn from_jwks_json(jwks_json: &str, issuer: impl Into<String>, audience: impl Into<String>) -> anyhow::Result<Self> {
        install_crypto_provider();
        let keys = parse_jwks(jwks_json).map_err(anyhow::Error::msg)?;
        Ok(Self { issuer: issuer.into(), audience: audience.into(), keys: RwLock::new(keys), source: KeySource::Fixed })
    }

    /// Keys from the embedded identity provider, re-read when a token names
    /// a `kid` we do not have (at most once a second).
    pub fn from_jwks_provider(
        provider: JwksProvider,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> anyhow::Result<Self> {
        install_crypto_provider();
        let keys = parse_jwks(&provider()).map_err(anyhow::Error::msg)?;
        Ok(Self {
            issuer: issuer.into(),
            audience: audience.into(),
            keys: RwLock::new(keys),
            // The first unknown kid may re-ask at once: rotation can precede it.
            source: KeySource::Provider { provider, last_fetch: RwLock::new(None) },
        })
    }

    /// Keys fetched from `jwks_url` (for Cognito: `<issuer>/.well-known/jwks.json`).
    /// Only plain `http://` URLs unless reqwest is built with a TLS feature.
    pub async fn from_url(jwks_url: impl Into<String>, issuer: impl Into<String>, audience: impl Into<String>) -> anyhow::Result<Self> {
        install_crypto_provider();
        let url = jwks_url.into();
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
        let keys = fetch_jwks(&client, &url).await.map_err(anyhow::Error::msg)?;
        Ok(Self {
            issuer: issuer.into(),
            audience: audience.into(),
            keys: RwLock::new(keys),
            source: KeySource::Url { url, client, last_fetch: RwLock::new(Some(Instant::now())) },
        })
    }

    fn key_for(&self, kid: &str) -> Option<DecodingKey> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).get(kid).cloned()
    }

    /// Re-reads the JWKS (key rotation), unless the source is fixed or we
    /// just did so: unknown `kid`s must not turn into a flood of fetches.
    async fn refresh(&self) {
        let (last_fetch, interval) = match &self.source {
            KeySource::Fixed => return,
            KeySource::Provider { last_fetch, .. } => (last_fetch, PROVIDER_REFETCH_INTERVAL),
            KeySource::Url { last_fetch, .. } => (last_fetch, REFETCH_INTERVAL),
        };
        {
            let mut last = last_fetch.write().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|at| at.elapsed() < interval) {
                return;
            }
            *last = Some(Instant::now());
        }
        let fetched = match &self.source {
            KeySource::Fixed => return,
            KeySource::Provider { provider, .. } => parse_jwks(&provider()),
            KeySource::Url { url, client, .. } => fetch_jwks(client, url).await,
        };
        match fetched {
            Ok(keys) => *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys,
            Err(error) => tracing::warn!(%error, "JWKS refresh failed"),
        }
    }

    fn check(&self, token: &str, key: &DecodingKey) -> Result<VerifiedToken, String> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        let data = jsonwebtoken::decode::<IdClaims>(token, key, &validation).map_err(|error| error.to_string())?;
        let claims = data.claims;
        // Access tokens are signed by the same keys; only id tokens carry
        // the profile this API trusts (API Gateway's authorizer does the same).
        if claims.token_use != "id" {
            return Err(format!("token_use is {:?}, not \"id\"", claims.token_use));
        }
        // The same rule the app names its pending messages by.
        let name = display_name(claims.name.as_deref(), claims.email.as_deref(), claims.username.as_deref(), &claims.sub)
            .to_owned();
        let username = claims.username.unwrap_or_else(|| claims.sub.clone());
        let identity = Identity { sub: claims.sub, username, name, email: claims.email };
        Ok(VerifiedToken { identity, expires_at_ms: Some(claims.exp.saturating_mul(1000)), session: claims.origin_jti })
    }
}

async fn fetch_jwks(client: &reqwest::Client, url: &str) -> Result<HashMap<String, DecodingKey>, String> {
    let response = client.get(url).send().await.map_err(|e| format!("cannot fetch JWKS from {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("JWKS at {url} answered {}", response.status()));
    }
    let body = response.text().await.map_err(|e| format!("cannot read JWKS from {url}: {e}"))?;
    parse_jwks(&body)
}

#[async_trait]
impl TokenVerifier for JwksVerifier {
    async fn verify_token(&self, token: &str) -> Result<VerifiedToken, ApiError> {
        let reject = |reason: String| {
            tracing::debug!(%reason, "token rejected");
            unauthorized("invalid or expired token")
        };
        let header = jsonwebtoken::decode_header(token).map_err(|e| reject(e.to_string()))?;
        // Decided from the header before any key is used: `none`, HS256 (the
        // public key used as an HMAC secret) and everything else but RS256.
        if header.alg != Algorithm::RS256 {
            return Err(reject(format!("algorithm {:?}", header.alg)));
        }
        let kid = header.kid.ok_or_else(|| reject("no kid".into()))?;
        let key = match self.key_for(&kid) {
            Some(key) => key,
            None => {
                self.refresh().await;
                self.key_for(&kid).ok_or_else(|| reject(format!("unknown kid {kid}")))?
            }
        };
        self.check(token, &key).map_err(reject)
    }
}

/// jsonwebtoken picks its crypto backend from its features; if another crate
/// in the build also enables `aws_lc_rs` it can no longer infer one, so we
/// name ours explicitly. Installing twice is harmless.
fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
}

/// The `token` part of `Authorization: <token>` or `Authorization: Bearer <token>`.
pub fn token_from_authorization(value: &str) -> Option<&str> {
    let value = value.trim();
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return None,
        None => value,
    };
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_accepts_raw_and_bearer_tokens() {
        assert_eq!(token_from_authorization("abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(token_from_authorization("Bearer abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(token_from_authorization("bearer  abc"), Some("abc"));
        assert_eq!(token_from_authorization("Basic dXNlcjpwdw=="), None);
        assert_eq!(token_from_authorization("   "), None);
    }

    #[test]
    fn jwks_keeps_only_rsa_signing_keys() {
        let json = r#"{"keys":[
            {"kty":"RSA","kid":"a","use":"sig","alg":"RS256","n":"sXch","e":"AQAB"},
            {"kty":"RSA","kid":"b","use":"enc","n":"sXch","e":"AQAB"},
            {"kty":"EC","kid":"c","crv":"P-256","x":"x","y":"y"}]}"#;
        let keys = parse_jwks(json).unwrap();
        assert_eq!(keys.keys().collect::<Vec<_>>(), vec!["a"]);
        assert!(parse_jwks("nope").is_err());
    }
}
