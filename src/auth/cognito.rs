//! The Cognito Identity Provider JSON API, as the SPA uses it. The same calls
//! go to Amazon Cognito and to the embedded server's provider; only the
//! endpoint differs (`CognitoConfig::endpoint_url`).
//!
//! Documents are built and read as JS objects (see `json`): no serde types
//! or serde_json in the main bundle for them.

use std::future::Future;
use std::pin::Pin;

use gloo_net::http::Request;
use js_sys::Array;
use moodchat_protocol::CognitoConfig;
use wasm_bindgen::JsValue;

use super::error::AuthError;
use super::json::{member, object, parse, string, stringify, text};
use super::session::Session;
use super::srp_worker;

/// POSTs one operation and returns its answer, or the error it carries.
///
/// Boxed: every flow awaits it, and one boxed future is compiled once
/// instead of being inlined into each flow's state machine.
pub fn call(config: &CognitoConfig, operation: &str, body: JsValue) -> Pin<Box<dyn Future<Output = Result<JsValue, AuthError>>>> {
    let endpoint = config.endpoint_url();
    let target = ["AWSCognitoIdentityProviderService.", operation].concat();
    Box::pin(async move { post(&endpoint, &target, &body).await })
}

async fn post(endpoint: &str, target: &str, body: &JsValue) -> Result<JsValue, AuthError> {
    let response = Request::post(endpoint)
        .header("X-Amz-Target", target)
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(stringify(body))
        .map_err(|error| AuthError::Unexpected(error.to_string()))?
        .send()
        .await
        .map_err(|_| AuthError::Network)?;
    let answer = parse(&response.text().await.map_err(|_| AuthError::Network)?);
    if response.ok() {
        return Ok(answer);
    }
    match text(&answer, "__type") {
        Some(kind) => Err(AuthError::from_service(&kind, &text(&answer, "message").unwrap_or_default())),
        // A proxy's HTML error page, a gateway timeout...: say what we got.
        None => Err(AuthError::Unexpected(["HTTP ", &response.status().to_string()].concat())),
    }
}

/// `{"ClientId": ..., "Username": ..., more...}`, the shape of most calls.
fn for_user(config: &CognitoConfig, email: &str, more: &[(&str, JsValue)]) -> JsValue {
    let mut members = vec![("ClientId", string(&config.client_id)), ("Username", string(email))];
    members.extend(more.iter().cloned());
    object(&members)
}

/// Creates an account whose username is the email address. `Ok(true)` when
/// the pool confirmed it at once (no code to enter).
pub async fn sign_up(config: &CognitoConfig, email: &str, name: &str, password: &str) -> Result<bool, AuthError> {
    let attribute = |name: &str, value: &str| object(&[("Name", string(name)), ("Value", string(value))]);
    let attributes = Array::of2(&attribute("email", email), &attribute("name", name));
    let answer = call(
        config,
        "SignUp",
        for_user(config, email, &[("Password", string(password)), ("UserAttributes", attributes.into())]),
    )
    .await?;
    Ok(member(&answer, "UserConfirmed").as_bool().unwrap_or(false))
}

pub async fn confirm_sign_up(config: &CognitoConfig, email: &str, code: &str) -> Result<(), AuthError> {
    call(config, "ConfirmSignUp", for_user(config, email, &[("ConfirmationCode", string(code))])).await.map(drop)
}

/// Sends a new confirmation code.
pub async fn resend_confirmation_code(config: &CognitoConfig, email: &str) -> Result<(), AuthError> {
    call(config, "ResendConfirmationCode", for_user(config, email, &[])).await.map(drop)
}

/// Sends a code to choose a new password.
pub async fn forgot_password(config: &CognitoConfig, email: &str) -> Result<(), AuthError> {
    call(config, "ForgotPassword", for_user(config, email, &[])).await.map(drop)
}

pub async fn confirm_forgot_password(
    config: &CognitoConfig,
    email: &str,
    code: &str,
    password: &str,
) -> Result<(), AuthError> {
    let more = [("ConfirmationCode", string(code)), ("Password", string(password))];
    call(config, "ConfirmForgotPassword", for_user(config, email, &more)).await.map(drop)
}

/// Signs in with USER_SRP_AUTH: the password never leaves the browser. The
/// SRP arithmetic runs in the worker (see `srp_worker`), which keeps its
/// secret between the two round trips.
pub async fn sign_in(config: &CognitoConfig, email: &str, password: &str) -> Result<Session, AuthError> {
    let srp_a = srp_worker::start(&config.user_pool_id, &config.client_id, email, password).await?;
    let parameters = object(&[("USERNAME", string(email)), ("SRP_A", string(&srp_a))]);
    let challenge = call(config, "InitiateAuth", initiate_auth(config, "USER_SRP_AUTH", parameters)).await?;
    if text(&challenge, "ChallengeName").as_deref() != Some("PASSWORD_VERIFIER") {
        return Err(unsupported_answer(&challenge));
    }
    let parameters = member(&challenge, "ChallengeParameters");
    let parameter = |name: &str| {
        text(&parameters, name).ok_or_else(|| AuthError::Unexpected(["no ", name, " in the challenge"].concat()))
    };
    let user_id = parameter("USER_ID_FOR_SRP")?;
    let secret_block = parameter("SECRET_BLOCK")?;
    let proof = srp_worker::verify(&secret_block, &user_id, &parameter("SALT")?, &parameter("SRP_B")?).await?;
    let responses = object(&[
        ("USERNAME", string(&text(&parameters, "USERNAME").unwrap_or(user_id))),
        ("PASSWORD_CLAIM_SECRET_BLOCK", string(&secret_block)),
        ("PASSWORD_CLAIM_SIGNATURE", string(&proof.signature)),
        ("TIMESTAMP", string(&proof.timestamp)),
    ]);
    let mut answer = vec![
        ("ChallengeName", string("PASSWORD_VERIFIER")),
        ("ClientId", string(&config.client_id)),
        ("ChallengeResponses", responses),
    ];
    // Real Cognito may continue the flow with a Session; the embedded one does not.
    let session = member(&challenge, "Session");
    if !session.is_undefined() {
        answer.push(("Session", session));
    }
    let result = call(config, "RespondToAuthChallenge", object(&answer)).await?;
    let (id_token, access_token, refresh_token) = authentication_result(&result)?;
    Session::from_tokens(id_token, access_token, refresh_token.unwrap_or_default())
        .ok_or_else(|| AuthError::Unexpected("unreadable ID token".into()))
}

fn initiate_auth(config: &CognitoConfig, flow: &str, parameters: JsValue) -> JsValue {
    object(&[("AuthFlow", string(flow)), ("ClientId", string(&config.client_id)), ("AuthParameters", parameters)])
}

/// New ID and access tokens for the session's refresh token (REFRESH_TOKEN_AUTH).
pub async fn refresh(config: &CognitoConfig, session: &Session) -> Result<Session, AuthError> {
    let parameters = object(&[("REFRESH_TOKEN", string(&session.refresh_token))]);
    let answer = call(config, "InitiateAuth", initiate_auth(config, "REFRESH_TOKEN_AUTH", parameters)).await?;
    let (id_token, access_token, _) = authentication_result(&answer)?;
    session.refreshed(id_token, access_token).ok_or_else(|| AuthError::Unexpected("unreadable ID token".into()))
}

/// Ends the session at the provider: revokes this refresh token, then signs
/// the user out of every device (GlobalSignOut), as the issue asks. Both are
/// best effort; the caller has already forgotten the tokens locally.
pub async fn sign_out(config: &CognitoConfig, session: &Session) {
    let revoke = object(&[("ClientId", string(&config.client_id)), ("Token", string(&session.refresh_token))]);
    let _ = call(config, "RevokeToken", revoke).await;
    let _ = call(config, "GlobalSignOut", object(&[("AccessToken", string(&session.access_token))])).await;
}

/// (IdToken, AccessToken, RefreshToken?) of an `AuthenticationResult`.
fn authentication_result(answer: &JsValue) -> Result<(String, String, Option<String>), AuthError> {
    let result = member(answer, "AuthenticationResult");
    if result.is_undefined() {
        return Err(unsupported_answer(answer));
    }
    match (text(&result, "IdToken"), text(&result, "AccessToken")) {
        (Some(id), Some(access)) => Ok((id, access, text(&result, "RefreshToken"))),
        _ => Err(AuthError::Unexpected("no tokens in AuthenticationResult".into())),
    }
}

/// A challenge the app does not handle (MFA, NEW_PASSWORD_REQUIRED...).
fn unsupported_answer(answer: &JsValue) -> AuthError {
    let challenge = text(answer, "ChallengeName").unwrap_or_else(|| "none".into());
    AuthError::Unexpected(["unsupported sign-in challenge: ", &challenge].concat())
}
