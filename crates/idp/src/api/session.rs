//! GetUser, GlobalSignOut, RevokeToken: operations on an existing session.

use serde::Deserialize;
use serde_json::{json, Value};

use super::request::required;
use crate::error::{ApiError, ErrorKind};
use crate::store::User;
use crate::tokens;
use crate::{Inner, Revocation};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessTokenRequest {
    access_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RevokeTokenRequest {
    token: Option<String>,
    client_id: Option<String>,
}

/// The user an access token speaks for, if the token is ours, an access
/// token, unexpired, and its session was not signed out or revoked.
fn authenticate(inner: &Inner, access_token: &str) -> Result<User, ApiError> {
    let invalid = || ApiError::new(ErrorKind::NotAuthorized, "Invalid Access Token");
    let claims = tokens::decode_verified(&inner.keys, access_token).ok_or_else(invalid)?;
    let claim = |name: &str| claims.get(name).and_then(Value::as_str);
    if claim("token_use") != Some("access")
        || claim("iss") != Some(inner.issuer.as_str())
        || claim("client_id") != Some(inner.config.client_id.as_str())
    {
        return Err(invalid());
    }
    let expires_at = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(invalid)?;
    if expires_at <= inner.now() {
        return Err(ApiError::new(
            ErrorKind::NotAuthorized,
            "Access Token has expired",
        ));
    }
    let (Some(sub), Some(origin_jti)) = (claim("sub"), claim("origin_jti")) else {
        return Err(invalid());
    };
    let family = inner.store.find_family(origin_jti)?.ok_or_else(invalid)?;
    if family.sub != sub {
        return Err(invalid());
    }
    if family.revoked_at.is_some() {
        return Err(ApiError::new(
            ErrorKind::NotAuthorized,
            "Access Token has been revoked",
        ));
    }
    inner
        .store
        .find_user_by_sub(sub)?
        .ok_or_else(|| ApiError::new(ErrorKind::UserNotFound, "User does not exist."))
}

pub fn get_user(inner: &Inner, request: AccessTokenRequest) -> Result<Value, ApiError> {
    let user = authenticate(inner, required(&request.access_token, "accessToken")?)?;
    let mut attributes = vec![
        json!({ "Name": "sub", "Value": user.sub }),
        json!({ "Name": "email_verified", "Value": user.email_verified.to_string() }),
    ];
    if let Some(name) = &user.name {
        attributes.push(json!({ "Name": "name", "Value": name }));
    }
    attributes.push(json!({ "Name": "email", "Value": user.email }));
    Ok(json!({ "Username": user.username, "UserAttributes": attributes }))
}

pub fn global_sign_out(inner: &Inner, request: AccessTokenRequest) -> Result<Value, ApiError> {
    let user = authenticate(inner, required(&request.access_token, "accessToken")?)?;
    inner.store.revoke_all_families(&user.sub, inner.now())?;
    tracing::info!(sub = %user.sub, "idp: global sign-out");
    inner.revocations.announce(Revocation::AllSessions { sub: user.sub });
    Ok(json!({}))
}

pub fn revoke_token(inner: &Inner, request: RevokeTokenRequest) -> Result<Value, ApiError> {
    let token = required(&request.token, "token")?;
    let client_id = required(&request.client_id, "clientId")?;
    if client_id != inner.config.client_id {
        return Err(ApiError::new(ErrorKind::Unauthorized, "Invalid client id."));
    }
    if tokens::looks_like_jwt(token) {
        return Err(ApiError::new(
            ErrorKind::UnsupportedTokenType,
            "Unsupported token type.",
        ));
    }
    // As RFC 7009 asks, an unknown token is not an error: the caller wanted
    // it dead, and it is.
    let Some(family) = inner
        .store
        .find_refresh_by_hash(&tokens::refresh_token_hash(token))?
    else {
        return Ok(json!({}));
    };
    if family.client_id != client_id {
        return Err(ApiError::new(ErrorKind::Unauthorized, "Invalid client id."));
    }
    inner.store.revoke_family(&family.family, inner.now())?;
    tracing::info!(sub = %family.sub, "idp: refresh token revoked");
    inner.revocations.announce(Revocation::Session { sub: family.sub, session: family.family });
    Ok(json!({}))
}
