//! The Cognito Identity Provider JSON API, as the SPA uses it. The same calls
//! go to Amazon Cognito and to the embedded server's provider; only the
//! endpoint differs (`CognitoConfig::endpoint_url`).
//!
//! Requests and answers are `serde_json::Value`s rather than one serde type
//! per operation: each derived type costs the main bundle code, and these
//! documents are small and read in one place each.

use gloo_net::http::Request;
use moodchat_protocol::CognitoConfig;
use serde_json::{json, Value};

use super::error::AuthError;
use super::session::Session;
use super::srp_worker;

/// POSTs one operation and returns its answer, or the error it carries.
pub async fn call(config: &CognitoConfig, operation: &str, body: Value) -> Result<Value, AuthError> {
    let target = ["AWSCognitoIdentityProviderService.", operation].concat();
    let response = Request::post(&config.endpoint_url())
        .header("X-Amz-Target", &target)
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .map_err(|error| AuthError::Unexpected(error.to_string()))?
        .send()
        .await
        .map_err(|_| AuthError::Network)?;
    let text = response.text().await.map_err(|_| AuthError::Network)?;
    let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if response.ok() {
        return Ok(answer);
    }
    match answer.get("__type").and_then(Value::as_str) {
        Some(kind) => Err(AuthError::from_service(kind, str_at(&answer, "message").unwrap_or_default())),
        // A proxy's HTML error page, a gateway timeout...: say what we got.
        None => Err(AuthError::Unexpected(["HTTP ", &response.status().to_string()].concat())),
    }
}

fn str_at<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.get(name).and_then(Value::as_str)
}

/// Creates an account whose username is the email address. `Ok(true)` when
/// the pool confirmed it at once (no code to enter).
pub async fn sign_up(config: &CognitoConfig, email: &str, name: &str, password: &str) -> Result<bool, AuthError> {
    let answer = call(
        config,
        "SignUp",
        json!({
            "ClientId": config.client_id,
            "Username": email,
            "Password": password,
            "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
        }),
    )
    .await?;
    Ok(answer.get("UserConfirmed").and_then(Value::as_bool).unwrap_or(false))
}

pub async fn confirm_sign_up(config: &CognitoConfig, email: &str, code: &str) -> Result<(), AuthError> {
    call(config, "ConfirmSignUp", json!({"ClientId": config.client_id, "Username": email, "ConfirmationCode": code}))
        .await
        .map(drop)
}

/// Sends a new confirmation code; returns where it went (e.g. "a***@e***"), if said.
pub async fn resend_confirmation_code(config: &CognitoConfig, email: &str) -> Result<Option<String>, AuthError> {
    let answer = call(config, "ResendConfirmationCode", json!({"ClientId": config.client_id, "Username": email})).await?;
    Ok(delivery_destination(&answer))
}

pub async fn forgot_password(config: &CognitoConfig, email: &str) -> Result<Option<String>, AuthError> {
    let answer = call(config, "ForgotPassword", json!({"ClientId": config.client_id, "Username": email})).await?;
    Ok(delivery_destination(&answer))
}

fn delivery_destination(answer: &Value) -> Option<String> {
    answer.get("CodeDeliveryDetails").and_then(|details| str_at(details, "Destination")).map(str::to_owned)
}

pub async fn confirm_forgot_password(
    config: &CognitoConfig,
    email: &str,
    code: &str,
    password: &str,
) -> Result<(), AuthError> {
    call(
        config,
        "ConfirmForgotPassword",
        json!({"ClientId": config.client_id, "Username": email, "ConfirmationCode": code, "Password": password}),
    )
    .await
    .map(drop)
}

/// Signs in with USER_SRP_AUTH: the password never leaves the browser. The
/// SRP arithmetic runs in the worker (see `srp_worker`), which keeps its
/// secret between the two round trips.
pub async fn sign_in(config: &CognitoConfig, email: &str, password: &str) -> Result<Session, AuthError> {
    let srp_a = srp_worker::start(&config.user_pool_id, &config.client_id, email, password).await?;
    let challenge = call(
        config,
        "InitiateAuth",
        json!({
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": config.client_id,
            "AuthParameters": {"USERNAME": email, "SRP_A": srp_a},
        }),
    )
    .await?;
    if str_at(&challenge, "ChallengeName") != Some("PASSWORD_VERIFIER") {
        return Err(unsupported_answer(&challenge));
    }
    let parameters = &challenge["ChallengeParameters"];
    let parameter = |name: &str| {
        str_at(parameters, name).ok_or_else(|| AuthError::Unexpected(["no ", name, " in the challenge"].concat()))
    };
    let user_id = parameter("USER_ID_FOR_SRP")?;
    let proof = srp_worker::verify(parameter("SECRET_BLOCK")?, user_id, parameter("SALT")?, parameter("SRP_B")?).await?;
    let mut answer = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ClientId": config.client_id,
        "ChallengeResponses": {
            "USERNAME": str_at(parameters, "USERNAME").unwrap_or(user_id),
            "PASSWORD_CLAIM_SECRET_BLOCK": proof.secret_block,
            "PASSWORD_CLAIM_SIGNATURE": proof.signature,
            "TIMESTAMP": proof.timestamp,
        },
    });
    if let Some(session) = challenge.get("Session") {
        answer["Session"] = session.clone();
    }
    let result = call(config, "RespondToAuthChallenge", answer).await?;
    let tokens = authentication_result(&result)?;
    Session::from_tokens(tokens.0, tokens.1, tokens.2.unwrap_or_default())
        .ok_or_else(|| AuthError::Unexpected("unreadable ID token".into()))
}

/// New ID and access tokens for the session's refresh token (REFRESH_TOKEN_AUTH).
pub async fn refresh(config: &CognitoConfig, session: &Session) -> Result<Session, AuthError> {
    let answer = call(
        config,
        "InitiateAuth",
        json!({
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": config.client_id,
            "AuthParameters": {"REFRESH_TOKEN": session.refresh_token},
        }),
    )
    .await?;
    let (id_token, access_token, _) = authentication_result(&answer)?;
    session.refreshed(id_token, access_token).ok_or_else(|| AuthError::Unexpected("unreadable ID token".into()))
}

/// Ends the session at the provider: revokes this refresh token, then signs
/// the user out of every device (GlobalSignOut), as the issue asks. Both are
/// best effort; the caller has already forgotten the tokens locally.
pub async fn sign_out(config: &CognitoConfig, session: &Session) {
    let _ = call(config, "RevokeToken", json!({"ClientId": config.client_id, "Token": session.refresh_token})).await;
    let _ = call(config, "GlobalSignOut", json!({"AccessToken": session.access_token})).await;
}

/// (IdToken, AccessToken, RefreshToken?) of an `AuthenticationResult`.
fn authentication_result(answer: &Value) -> Result<(String, String, Option<String>), AuthError> {
    let result = answer.get("AuthenticationResult").ok_or_else(|| unsupported_answer(answer))?;
    let token = |name: &str| str_at(result, name).map(str::to_owned);
    match (token("IdToken"), token("AccessToken")) {
        (Some(id), Some(access)) => Ok((id, access, token("RefreshToken"))),
        _ => Err(AuthError::Unexpected("no tokens in AuthenticationResult".into())),
    }
}

/// A challenge the app does not handle (MFA, NEW_PASSWORD_REQUIRED...).
fn unsupported_answer(answer: &Value) -> AuthError {
    let challenge = str_at(answer, "ChallengeName").unwrap_or("none");
    AuthError::Unexpected(["unsupported sign-in challenge: ", challenge].concat())
}
