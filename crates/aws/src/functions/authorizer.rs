//! The WebSocket `$connect` REQUEST authorizer's check: the id token from
//! `?token=` verified as API Gateway's Cognito authorizer would (RS256 with
//! a key of the pool's JWKS by `kid`, `iss`, `aud` = the app client,
//! `token_use` = `id`, `exp`). The JWKS URL is configured apart from the
//! issuer (locally the identity provider serves both from the gateway).
//!
//! Kept small on purpose: the embedded server's verifier
//! (crates/server/src/chat/auth.rs) is being moved into a crate of its own,
//! which this should use once it lands.

use std::collections::HashMap;
use std::sync::RwLock;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Clone, Debug)]
pub struct Config {
    pub issuer: String,
    pub jwks_url: String,
    pub client_id: String,
}

#[derive(Debug, Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    n: Option<String>,
    e: Option<String>,
}

/// The claims the chat reads.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct IdClaims {
    pub sub: String,
    pub token_use: String,
    #[serde(rename = "cognito:username")]
    pub username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub exp: i64,
}

pub struct Verifier {
    config: Config,
    http: reqwest::Client,
    /// The JWKS's RSA keys by kid, fetched on first use and again when a
    /// token names a kid not in it (key rotation).
    keys: RwLock<HashMap<String, DecodingKey>>,
}

impl Verifier {
    pub fn new(config: Config) -> Self {
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build().expect("an HTTP client");
        Self { config, http, keys: RwLock::new(HashMap::new()) }
    }

    async fn key(&self, kid: &str) -> Option<DecodingKey> {
        if let Some(key) = self.keys.read().unwrap_or_else(|p| p.into_inner()).get(kid) {
            return Some(key.clone());
        }
        let jwks: Value = match self.http.get(&self.config.jwks_url).send().await {
            Ok(response) => response.json().await.ok()?,
            Err(error) => {
                tracing::error!(%error, url = %self.config.jwks_url, "the JWKS could not be fetched");
                return None;
            }
        };
        let fetched: Vec<Jwk> = serde_json::from_value(jwks.get("keys")?.clone()).ok()?;
        let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
        for jwk in fetched.into_iter().filter(|k| k.kty == "RSA") {
            let (Some(kid), Some(n), Some(e)) = (jwk.kid, jwk.n, jwk.e) else { continue };
            if let Ok(key) = DecodingKey::from_rsa_components(&n, &e) {
                keys.insert(kid, key);
            }
        }
        keys.get(kid).cloned()
    }

    /// The token's claims, or why it is refused (for the log only).
    pub async fn verify(&self, token: &str) -> Result<IdClaims, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| "not a JWT".to_owned())?;
        if header.alg != Algorithm::RS256 {
            return Err("not RS256".into());
        }
        let kid = header.kid.ok_or("no kid")?;
        let key = self.key(&kid).await.ok_or("unknown kid")?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<IdClaims>(token, &key, &validation).map_err(|e| e.to_string())?.claims;
        if claims.token_use != "id" {
            return Err("not an id token".into());
        }
        Ok(claims)
    }
}

/// The authorizer's answer: Allow on exactly `method_arn`, the identity as
/// the context `$connect` receives (strings and numbers only).
pub fn allow(claims: &IdClaims, method_arn: &str) -> Value {
    let username = claims.username.clone().unwrap_or_else(|| claims.sub.clone());
    let name = claims.name.clone().unwrap_or_else(|| username.clone());
    let mut context = json!({ "sub": claims.sub, "username": username, "name": name, "exp": claims.exp });
    if let Some(email) = &claims.email {
        context["email"] = json!(email);
    }
    json!({
        "principalId": claims.sub,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{ "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": method_arn }]
        },
        "context": context
    })
}
