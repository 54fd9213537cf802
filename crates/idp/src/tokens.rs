//! JWTs (ID and access tokens) and opaque refresh tokens.
//!
//! Claims follow Cognito's so that a verifier written for real Cognito
//! accepts ours unchanged. Refresh tokens are random strings; only their
//! SHA-256 is stored, so a leaked database can't be replayed as sessions.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use base64::Engine as _;
use rand::RngCore;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::keys::SigningKeys;
use crate::store::User;

/// The scope Cognito puts in access tokens minted by its user-pool API.
pub const ACCESS_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Refresh tokens carry this many random bytes.
const REFRESH_TOKEN_BYTES: usize = 64;

/// Everything that varies between the tokens of one issuance.
pub struct TokenContext<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// The sign-in session (refresh family) these tokens belong to.
    pub origin_jti: &'a str,
    pub auth_time: i64,
    pub now: i64,
    pub id_ttl_secs: i64,
    pub access_ttl_secs: i64,
}

/// Signs a JWS compact serialization with RS256 and the current `kid`.
pub fn encode_jwt(keys: &SigningKeys, claims: &Value) -> String {
    let header = json!({ "kid": keys.kid(), "alg": "RS256" });
    let signing_input = format!(
        "{}.{}",
        BASE64URL.encode(header.to_string()),
        BASE64URL.encode(claims.to_string())
    );
    let signature = keys.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", BASE64URL.encode(signature))
}

/// Returns the claims of a token signed by our key, or `None` for anything
/// else (malformed, other algorithm, other key, bad signature). Only the
/// signature is checked here; callers check expiry, issuer and use.
pub fn decode_verified(keys: &SigningKeys, token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (header_b64, claims_b64, signature_b64) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&BASE64URL.decode(header_b64).ok()?).ok()?;
    // Pin the algorithm and key: never let the token choose how it is checked.
    if header.get("alg")? != "RS256" || header.get("kid")? != keys.kid() {
        return None;
    }
    let signature = BASE64URL.decode(signature_b64).ok()?;
    let signing_input_len = header_b64.len() + 1 + claims_b64.len();
    if !keys.verify(&token.as_bytes()[..signing_input_len], &signature) {
        return None;
    }
    match serde_json::from_slice(&BASE64URL.decode(claims_b64).ok()?).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

/// Claims of an ID token, Cognito's set.
pub fn id_token_claims(user: &User, context: &TokenContext<'_>) -> Value {
    let mut claims = json!({
        "sub": user.sub,
        "email_verified": user.email_verified,
        "iss": context.issuer,
        "cognito:username": user.username,
        "origin_jti": context.origin_jti,
        "aud": context.client_id,
        "event_id": uuid::Uuid::new_v4().to_string(),
        "token_use": "id",
        "auth_time": context.auth_time,
        "exp": context.now + context.id_ttl_secs,
        "iat": context.now,
        "jti": uuid::Uuid::new_v4().to_string(),
        "email": user.email,
    });
    if let Some(name) = &user.name {
        claims["name"] = Value::String(name.clone());
    }
    claims
}

/// Claims of an access token, Cognito's set.
pub fn access_token_claims(user: &User, context: &TokenContext<'_>) -> Value {
    json!({
        "sub": user.sub,
        "iss": context.issuer,
        "client_id": context.client_id,
        "origin_jti": context.origin_jti,
        "event_id": uuid::Uuid::new_v4().to_string(),
        "token_use": "access",
        "scope": ACCESS_SCOPE,
        "auth_time": context.auth_time,
        "exp": context.now + context.access_ttl_secs,
        "iat": context.now,
        "jti": uuid::Uuid::new_v4().to_string(),
        "username": user.username,
    })
}

/// A fresh opaque refresh token (URL-safe, matches RevokeToken's pattern).
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; REFRESH_TOKEN_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    BASE64URL.encode(bytes)
}

/// What the store keeps instead of the refresh token.
pub fn refresh_token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether a string has the shape of a JWT (three dot-separated parts), to
/// tell an access or ID token handed to RevokeToken from a refresh token.
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}
