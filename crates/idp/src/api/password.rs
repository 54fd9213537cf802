//! ForgotPassword, ConfirmForgotPassword.

use serde::Deserialize;
use serde_json::{json, Value};

use super::request::{check_client, required};
use crate::codes;
use crate::credentials;
use crate::error::ApiError;
use crate::password_policy;
use crate::store::CodePurpose;
use crate::Inner;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ForgotPasswordRequest {
    client_id: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfirmForgotPasswordRequest {
    client_id: Option<String>,
    username: Option<String>,
    confirmation_code: Option<String>,
    password: Option<String>,
}

pub fn forgot_password(inner: &Inner, request: ForgotPasswordRequest) -> Result<Value, ApiError> {
    check_client(inner, &request.client_id)?;
    let username = required(&request.username, "username")?;
    // No account, or nowhere verified to send a code: answer as if one was
    // sent, so the reply doesn't tell which names exist.
    let user = inner
        .store
        .find_user_by_login(username)?
        .filter(|user| user.confirmed && user.email_verified);
    let details = match user {
        Some(user) => codes::issue(inner, &user, CodePurpose::ResetPassword)?,
        None => codes::simulated_delivery_details(inner, username),
    };
    Ok(json!({ "CodeDeliveryDetails": details }))
}

pub fn confirm_forgot_password(
    inner: &Inner,
    request: ConfirmForgotPasswordRequest,
) -> Result<Value, ApiError> {
    check_client(inner, &request.client_id)?;
    let username = required(&request.username, "username")?;
    let code = required(&request.confirmation_code, "confirmationCode")?;
    let password = required(&request.password, "password")?;
    codes::validate_code_shape(code)?;
    password_policy::check(password)?;

    let Some(user) = inner
        .store
        .find_user_by_login(username)?
        .filter(|user| user.confirmed)
    else {
        return Err(ApiError::code_mismatch());
    };
    codes::redeem(inner, &user, CodePurpose::ResetPassword, code)?;
    let credentials = credentials::derive(&inner.pool_name, &user.sub, password);
    let now = inner.now();
    inner
        .store
        .set_credentials(&user.sub, &credentials.salt, &credentials.verifier, now)?;
    // Whoever knew the old password may hold sessions: end them all.
    inner.store.revoke_all_families(&user.sub, now)?;
    tracing::info!(sub = %user.sub, "idp: password reset");
    inner.revocations.announce(crate::Revocation::AllSessions { sub: user.sub });
    Ok(json!({}))
}
