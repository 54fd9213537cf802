//! SignUp, ConfirmSignUp, ResendConfirmationCode.

use serde::Deserialize;
use serde_json::{json, Value};

use super::request::{check_client, check_username, check_username_identity, required};
use crate::codes;
use crate::credentials;
use crate::error::{ApiError, ErrorKind};
use crate::password_policy;
use crate::store::{CodePurpose, NewUser};
use crate::Inner;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignUpRequest {
    client_id: Option<String>,
    username: Option<String>,
    password: Option<String>,
    #[serde(default)]
    user_attributes: Option<Vec<AttributeType>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeType {
    name: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfirmSignUpRequest {
    client_id: Option<String>,
    username: Option<String>,
    confirmation_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResendConfirmationCodeRequest {
    client_id: Option<String>,
    username: Option<String>,
}

/// The attributes this pool knows: a required email and an optional name.
struct SignUpAttributes {
    email: String,
    name: Option<String>,
}

fn schema_error(detail: &str) -> ApiError {
    ApiError::new(
        ErrorKind::InvalidParameter,
        format!("Attributes did not conform to the schema: {detail}"),
    )
}

fn read_attributes(attributes: &[AttributeType]) -> Result<SignUpAttributes, ApiError> {
    let mut email = None;
    let mut name = None;
    for attribute in attributes {
        let value = attribute.value.clone().unwrap_or_default();
        match attribute.name.as_str() {
            "email" => email = Some(value),
            "name" => name = Some(value),
            other => {
                return Err(schema_error(&format!(
                    "Type for attribute {{{other}}} could not be determined"
                )))
            }
        }
    }
    let email = email.ok_or_else(|| schema_error("email: The attribute is required\n"))?;
    if !is_plausible_email(&email) {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            "Invalid email address format.",
        ));
    }
    if name.as_ref().is_some_and(|n| n.chars().count() > 2048) {
        return Err(schema_error(
            "name: String must be no longer than 2048 characters",
        ));
    }
    // Stricter than Cognito, which takes any string as a name: the chat
    // shows names to everyone, so nothing invisible or text-reordering.
    if name.as_ref().is_some_and(|n| !n.chars().all(crate::text::is_visible_text_char)) {
        return Err(schema_error(
            "name: control, format (bidi override, zero-width) and line separator characters are not allowed",
        ));
    }
    Ok(SignUpAttributes {
        email,
        name: name.filter(|n| !n.is_empty()),
    })
}

/// Enough to catch typos and abuse; deliverability is proven by the code.
fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && email.chars().all(|c| !c.is_whitespace() && crate::text::is_visible_text_char(c))
}

pub fn sign_up(inner: &Inner, request: SignUpRequest) -> Result<Value, ApiError> {
    check_client(inner, &request.client_id)?;
    let username = required(&request.username, "username")?;
    let password = required(&request.password, "password")?;
    check_username(username)?;
    let attributes = read_attributes(request.user_attributes.as_deref().unwrap_or_default())?;
    check_username_identity(username, &attributes.email)?;
    password_policy::check(password)?;

    let sub = uuid::Uuid::new_v4().to_string();
    // USER_ID_FOR_SRP is the sub, so the verifier is bound to it.
    let credentials = credentials::derive(&inner.pool_name, &sub, password);
    let created = inner.store.insert_user(&NewUser {
        sub: &sub,
        username,
        email: &attributes.email,
        name: attributes.name.as_deref(),
        confirmed: inner.config.auto_confirm,
        salt: &credentials.salt,
        verifier: &credentials.verifier,
        now: inner.now(),
    })?;
    if !created {
        return Err(ApiError::new(
            ErrorKind::UsernameExists,
            "User already exists",
        ));
    }
    tracing::info!(%sub, username, "idp: user signed up");

    if inner.config.auto_confirm {
        return Ok(json!({ "UserConfirmed": true, "UserSub": sub }));
    }
    let user = inner
        .store
        .find_user_by_sub(&sub)?
        .ok_or_else(ApiError::internal)?;
    let details = codes::issue(inner, &user, CodePurpose::ConfirmSignUp)?;
    Ok(json!({ "UserConfirmed": false, "UserSub": sub, "CodeDeliveryDetails": details }))
}

pub fn confirm_sign_up(inner: &Inner, request: ConfirmSignUpRequest) -> Result<Value, ApiError> {
    check_client(inner, &request.client_id)?;
    let username = required(&request.username, "username")?;
    let code = required(&request.confirmation_code, "confirmationCode")?;
    codes::validate_code_shape(code)?;

    // Unknown names get the same answer as a wrong code.
    let Some(user) = inner.store.find_user_by_login(username)? else {
        return Err(ApiError::code_mismatch());
    };
    if user.confirmed {
        return Err(ApiError::new(
            ErrorKind::NotAuthorized,
            "User cannot be confirmed. Current status is CONFIRMED",
        ));
    }
    codes::redeem(inner, &user, CodePurpose::ConfirmSignUp, code)?;
    if inner
        .store
        .verified_email_owned_by_other(&user.email, &user.sub)?
    {
        return Err(ApiError::new(
            ErrorKind::AliasExists,
            "An account with the email already exists.",
        ));
    }
    inner.store.confirm_user(&user.sub, inner.now())?;
    tracing::info!(sub = %user.sub, "idp: user confirmed");
    Ok(json!({}))
}

pub fn resend_confirmation_code(
    inner: &Inner,
    request: ResendConfirmationCodeRequest,
) -> Result<Value, ApiError> {
    check_client(inner, &request.client_id)?;
    let username = required(&request.username, "username")?;
    let Some(user) = inner.store.find_user_by_login(username)? else {
        return Ok(
            json!({ "CodeDeliveryDetails": codes::simulated_delivery_details(inner, username) }),
        );
    };
    if user.confirmed {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            "User is already confirmed.",
        ));
    }
    let details = codes::issue(inner, &user, CodePurpose::ConfirmSignUp)?;
    Ok(json!({ "CodeDeliveryDetails": details }))
}
