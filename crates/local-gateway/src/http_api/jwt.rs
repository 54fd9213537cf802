//! The HTTP API's JWT authorizer as API Gateway runs it: the token from the
//! `Authorization` header (with or without `Bearer `), RS256 with a `kid` of
//! the issuer's JWKS, `iss` equal to the configured issuer, `aud` (or, only
//! when there is no `aud`, `client_id`) in the audience list, `exp`/`nbf`
//! checked. A failure is 401 `{"message":"Unauthorized"}` with a
//! `www-authenticate` header saying why. The claims reach the function as
//! strings in `requestContext.authorizer.jwt.claims`.

use std::collections::BTreeMap;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::template::JwtAuthorizerDef;

/// Where the issuer's keys come from: the embedded identity provider, asked
/// in-process (it is the issuer; API Gateway would fetch the same document
/// from `<issuer>/.well-known/jwks.json`).
pub type JwksSource = Arc<dyn Fn() -> Value + Send + Sync>;

pub struct JwtAuthorizer {
    config: JwtAuthorizerDef,
    jwks: JwksSource,
}

/// Why a token was refused (the `www-authenticate` header's description).
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal(pub String);

impl JwtAuthorizer {
    pub fn new(config: JwtAuthorizerDef, jwks: JwksSource) -> Self {
        install_crypto_provider();
        Self { config, jwks }
    }

    /// The verified claims, stringified as API Gateway passes them on.
    pub fn authorize(&self, authorization: Option<&str>) -> Result<BTreeMap<String, String>, Refusal> {
        let refuse = |why: &str| Refusal(why.to_owned());
        let header = authorization.map(str::trim).filter(|h| !h.is_empty()).ok_or_else(|| refuse("the token is missing"))?;
        let token = match header.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
            _ => header,
        };
        let token_header = jsonwebtoken::decode_header(token).map_err(|_| refuse("the token is not a valid JWT"))?;
        if token_header.alg != Algorithm::RS256 {
            return Err(refuse("the token's algorithm is not supported"));
        }
        let kid = token_header.kid.ok_or_else(|| refuse("the token has no kid"))?;
        let key = self.key(&kid).ok_or_else(|| refuse("the token's kid is not in the issuer's JWKS"))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.config.issuer]);
        validation.validate_aud = false; // aud/client_id checked below, as API Gateway does
        validation.validate_nbf = true;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iss"]);
        let claims = jsonwebtoken::decode::<serde_json::Map<String, Value>>(token, &key, &validation)
            .map_err(|error| refuse(&format!("the token is invalid: {error}")))?
            .claims;
        let audience_ok = match (claims.get("aud"), claims.get("client_id")) {
            (Some(aud), _) => strings(aud).iter().any(|a| self.config.audience.contains(a)),
            (None, Some(client_id)) => strings(client_id).iter().any(|c| self.config.audience.contains(c)),
            (None, None) => false,
        };
        if !audience_ok {
            return Err(refuse("the token does not have a valid audience"));
        }
        Ok(claims.into_iter().map(|(name, value)| (name, claim_string(&value))).collect())
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        let jwks = (self.jwks)();
        let key = jwks.get("keys")?.as_array()?.iter().find(|k| k.get("kid").and_then(Value::as_str) == Some(kid))?;
        DecodingKey::from_rsa_components(key.get("n")?.as_str()?, key.get("e")?.as_str()?).ok()
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// API Gateway hands claims on as strings: numbers and booleans as written,
/// arrays as `[a b]`.
fn claim_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(claim_string).collect::<Vec<_>>().join(" ")),
        other => other.to_string(),
    }
}

/// jsonwebtoken picks its crypto backend from its features; name ours in case
/// another crate in the build enables a second one.
fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_are_stringified_like_api_gateway_does() {
        assert_eq!(claim_string(&json!("a")), "a");
        assert_eq!(claim_string(&json!(1700000000)), "1700000000");
        assert_eq!(claim_string(&json!(true)), "true");
        assert_eq!(claim_string(&json!(["x", "y"])), "[x y]");
    }

    #[test]
    fn missing_or_malformed_tokens_are_refused() {
        let authorizer = JwtAuthorizer::new(
            JwtAuthorizerDef { issuer: "http://issuer".into(), audience: vec!["client".into()] },
            Arc::new(|| json!({"keys": []})),
        );
        assert_eq!(authorizer.authorize(None), Err(Refusal("the token is missing".into())));
        assert_eq!(authorizer.authorize(Some("Bearer nope")), Err(Refusal("the token is not a valid JWT".into())));
    }
}
