//! The HTTP face: Cognito's JSON protocol (one POST endpoint, the operation
//! named by `X-Amz-Target`), CORS for browsers, and the well-known documents.

mod auth;
mod password;
mod request;
mod session;
mod sign_up;
mod well_known;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use tower_http::cors::{Any, CorsLayer};

use crate::error::{ApiError, ErrorKind};
use crate::Inner;

/// The content type of Cognito requests and answers.
pub const AMZ_JSON: &str = "application/x-amz-json-1.1";

/// Prefix of every `X-Amz-Target` this service answers.
const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// Cognito requests are small; refuse big bodies before parsing them.
const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router<S: Clone + Send + Sync + 'static>(inner: Arc<Inner>) -> Router<S> {
    let pool_id = inner.config.user_pool_id.clone();
    let mut router = Router::new()
        .route("/", post(cognito_endpoint))
        .route(
            &format!("/{pool_id}/.well-known/jwks.json"),
            get(well_known::jwks),
        )
        .route(
            &format!("/{pool_id}/.well-known/openid-configuration"),
            get(well_known::openid_configuration),
        );
    if inner.config.dev_outbox {
        router = router.route("/outbox", get(well_known::outbox));
    }
    router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors())
        .with_state(inner)
}

/// Browsers call Cognito cross-origin; its preflight answers allow the
/// headers the Amplify and AWS SDK clients send and expose the ones they
/// read. Any origin: the tokens travel in bodies, never in cookies.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::POST, Method::GET, Method::OPTIONS])
        .allow_headers([
            header::CONTENT_TYPE,
            header::CACHE_CONTROL,
            header::AUTHORIZATION,
            HeaderName::from_static("x-amz-target"),
            HeaderName::from_static("x-amz-user-agent"),
            HeaderName::from_static("x-amz-date"),
            HeaderName::from_static("x-amz-content-sha256"),
            HeaderName::from_static("amz-sdk-invocation-id"),
            HeaderName::from_static("amz-sdk-request"),
        ])
        .expose_headers([
            HeaderName::from_static("x-amzn-requestid"),
            HeaderName::from_static("x-amzn-errortype"),
            HeaderName::from_static("x-amzn-errormessage"),
            header::DATE,
        ])
        .max_age(std::time::Duration::from_secs(24 * 60 * 60))
}

async fn cognito_endpoint(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let operation = headers
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .and_then(|target| target.strip_prefix(TARGET_PREFIX))
        .map(str::to_owned);

    let result = match (operation, parse_body(&body)) {
        (None, _) => Err(ApiError::new(ErrorKind::UnknownOperation, "")),
        (Some(_), Err(error)) => Err(error),
        (Some(operation), Ok(request)) => {
            // SRP math and SQLite are blocking work; keep them off the
            // async workers.
            let inner = inner.clone();
            let op_name = operation.clone();
            tokio::task::spawn_blocking(move || dispatch(&inner, &operation, request))
                .await
                .unwrap_or_else(|join_error| {
                    tracing::error!(%join_error, operation = %op_name, "idp operation panicked");
                    Err(ApiError::internal())
                })
        }
    };

    let mut response = match result {
        Ok(answer) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, AMZ_JSON)],
            answer.to_string(),
        )
            .into_response(),
        Err(error) => error.into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    response
}

/// The body must be one JSON object; anything else is what AWS calls a
/// SerializationException.
fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(ApiError::new(
            ErrorKind::Serialization,
            "Start of structure or map found where not expected.",
        )),
        Err(_) => Err(ApiError::new(
            ErrorKind::Serialization,
            "Malformed JSON request body.",
        )),
    }
}

fn dispatch(inner: &Inner, operation: &str, request: Value) -> Result<Value, ApiError> {
    match operation {
        "SignUp" => sign_up::sign_up(inner, request::parse(request)?),
        "ConfirmSignUp" => sign_up::confirm_sign_up(inner, request::parse(request)?),
        "ResendConfirmationCode" => {
            sign_up::resend_confirmation_code(inner, request::parse(request)?)
        }
        "InitiateAuth" => auth::initiate_auth(inner, request::parse(request)?),
        "RespondToAuthChallenge" => {
            auth::respond_to_auth_challenge(inner, request::parse(request)?)
        }
        "ForgotPassword" => password::forgot_password(inner, request::parse(request)?),
        "ConfirmForgotPassword" => {
            password::confirm_forgot_password(inner, request::parse(request)?)
        }
        "GetUser" => session::get_user(inner, request::parse(request)?),
        "GlobalSignOut" => session::global_sign_out(inner, request::parse(request)?),
        "RevokeToken" => session::revoke_token(inner, request::parse(request)?),
        _ => Err(ApiError::new(ErrorKind::UnknownOperation, "")),
    }
}
