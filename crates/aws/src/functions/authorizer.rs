//! The WebSocket `$connect` REQUEST authorizer's answer. The id token from
//! `?token=` is verified by `moodchat_jwks::JwksVerifier` (the embedded
//! server's verifier: RS256 with a key of the pool's JWKS by `kid`, `iss`,
//! `aud` = the app client, `token_use` = `id`, `exp`); the JWKS URL is
//! configured apart from the issuer (locally the identity provider serves
//! both from the gateway).

use moodchat_core::ports::VerifiedToken;
use serde_json::{json, Value};

/// Allow on exactly `method_arn`, the identity as the context `$connect`
/// receives (strings and numbers only; `exp` in seconds, as in the token).
pub fn allow(token: &VerifiedToken, method_arn: &str) -> Value {
    let who = &token.identity;
    let mut context = json!({ "sub": who.sub, "username": who.username, "name": who.name });
    if let Some(expires_at_ms) = token.expires_at_ms {
        context["exp"] = json!(expires_at_ms / 1000);
    }
    if let Some(email) = &who.email {
        context["email"] = json!(email);
    }
    json!({
        "principalId": who.sub,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{ "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": method_arn }]
        },
        "context": context
    })
}
