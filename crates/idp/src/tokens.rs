//! JWTs (ID and access tokens) and opaque refresh tokens.
//!
//! Claims follow Cognito's so that a verifier written for real Cognito
//! accepts ours unchanged. Refresh tokens are random strings; only their
//! SHA-256 is stored, so a leaked database can't be replayed as sessions.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, Header, Validation};
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

/// Signs the claims as a JWT with RS256 and the current `kid` (the header
/// Cognito writes: `kid` and `alg`, no `typ`).
pub fn encode_jwt(keys: &SigningKeys, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.typ = None;
    header.kid = Some(keys.kid().to_owned());
    jsonwebtoken::encode(&header, claims, keys.encoding()).expect("RS256 signing with a loaded key cannot fail")
}

/// Returns the claims of a token signed by our key, or `None` for anything
/// else (malformed, other algorithm, other key, bad signature). Only the
/// signature is checked here; callers check expiry, issuer and use.
pub fn decode_verified(keys: &SigningKeys, token: &str) -> Option<Map<String, Value>> {
    // Pin the algorithm and key: never let the token choose how it is checked.
    let header = jsonwebtoken::decode_header(token).ok()?;
    if header.alg != Algorithm::RS256 || header.kid.as_deref() != Some(keys.kid()) {
        return None;
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<Map<String, Value>>(token, keys.decoding(), &validation).ok().map(|data| data.claims)
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
