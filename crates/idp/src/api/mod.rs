//! The HTTP face: Cognito's JSON protocol (one POST endpoint, the operation
//! named by `X-Amz-Target`), CORS for browsers, and the well-known documents.

mod auth;
mod password;
mod request;
mod session;
mod sign_up;
mod subject;
mod well_known;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Extension, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use tower_http::cors::{Any, CorsLayer};

use crate::error::{ApiError, ErrorKind};
use crate::{ClientAddress, Inner};

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
    router = router
        .fallback(unknown_path)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors());
    // Added after the CORS layer, so no other origin may read it.
    if inner.config.dev_outbox {
        router = router.route("/outbox", get(well_known::outbox).fallback(method_not_allowed));
    }
    router.with_state(inner)
}

/// Every answer of this router is Cognito-shaped JSON, unknown paths too.
async fn unknown_path(uri: Uri) -> ApiError {
    ApiError::new(ErrorKind::ResourceNotFound, format!("No such path: {}", uri.path()))
        .with_status(StatusCode::NOT_FOUND)
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(ErrorKind::UnknownOperation, format!("{method} is not allowed on {}", uri.path()))
        .with_status(StatusCode::METHOD_NOT_ALLOWED)
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
    client: Option<Extension<ClientAddress>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let client = client.map(|Extension(client)| client);
    let request_id = uuid::Uuid::new_v4().to_string();
    let operation = headers
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .and_then(|target| target.strip_prefix(TARGET_PREFIX))
        .map(str::to_owned);

    let admitted = match &operation {
        Some(operation) => inner.limiters.admit(operation, client),
        None => Ok(()),
    };
    let result = match (operation, admitted, body.map_err(body_unreadable).and_then(|body| parse_body(&body))) {
        (None, _, _) => Err(ApiError::new(ErrorKind::UnknownOperation, "")),
        (Some(_), Err(error), _) | (Some(_), Ok(()), Err(error)) => Err(error),
        (Some(operation), Ok(()), Ok(request)) => {
            // SRP math and SQLite are blocking work; keep them off the
            // async workers.
            let inner = inner.clone();
            let op_name = operation.clone();
            tokio::task::spawn_blocking(move || dispatch(&inner, &operation, request, client))
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

/// A body over the limit (or one that broke off) is refused in the same
/// JSON shape as every other error.
fn body_unreadable(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(ErrorKind::PayloadTooLarge, format!("Request body over {} KB.", MAX_BODY_BYTES / 1024))
    } else {
        ApiError::new(ErrorKind::Serialization, "The request body could not be read.")
    }
}

/// The body must be one JSON object, without duplicate members; anything
/// else is what AWS calls a SerializationException.
fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    match moodchat_strict_json::from_slice(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(ApiError::new(
            ErrorKind::Serialization,
            "Start of structure or map found where not expected.",
        )),
        Err(error) if error.is_data() => Err(ApiError::new(
            ErrorKind::Serialization,
            format!("Malformed JSON request body: {error}."),
        )),
        Err(_) => Err(ApiError::new(
            ErrorKind::Serialization,
            "Malformed JSON request body.",
        )),
    }
}

fn dispatch(
    inner: &Inner,
    operation: &str,
    request: Value,
    client: Option<ClientAddress>,
) -> Result<Value, ApiError> {
    match operation {
        "SignUp" => sign_up::sign_up(inner, request::parse(request)?),
        "ConfirmSignUp" => sign_up::confirm_sign_up(inner, request::parse(request)?),
        "ResendConfirmationCode" => {
            sign_up::resend_confirmation_code(inner, request::parse(request)?)
        }
        "InitiateAuth" => auth::initiate_auth(inner, request::parse(request)?, client),
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
