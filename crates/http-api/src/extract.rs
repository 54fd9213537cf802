//! The HTTP edge of the chat API: errors as `{code, message}` with the right
//! status (and `Retry-After` over a rate limit), and extractors whose
//! rejections use the same shape (axum's own rejections are plain text).

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use moodchat_core::error::{bad_request, unauthorized};
use moodchat_core::rate_limit::Throttled;
use moodchat_core::Identity;
use moodchat_jwks::token_from_authorization;
use moodchat_protocol::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;

use crate::ApiState;

/// An error as an HTTP response: the protocol's JSON body with its status.
#[derive(Debug)]
pub enum ChatError {
    Api(ApiError),
    /// Over a rate limit: 429 with `Retry-After`.
    Throttled(Throttled),
}

impl From<ApiError> for ChatError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<Throttled> for ChatError {
    fn from(throttled: Throttled) -> Self {
        Self::Throttled(throttled)
    }
}

impl IntoResponse for ChatError {
    fn into_response(self) -> Response {
        match self {
            ChatError::Api(error) => {
                let status = StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (status, axum::Json(error)).into_response()
            }
            ChatError::Throttled(throttled) => {
                let retry_after = [(header::RETRY_AFTER, HeaderValue::from(throttled.retry_after_secs()))];
                (StatusCode::TOO_MANY_REQUESTS, retry_after, axum::Json(throttled.error())).into_response()
            }
        }
    }
}

/// The verified caller of a REST endpoint (`Authorization: <id token>` or
/// `Bearer <id token>`), already recorded as a chat user. Kept in the
/// request's extensions, so a route layer that needed it first (a quota)
/// does not make the handler verify the token again. Any router state that
/// holds an `ApiState` can extract it.
pub struct Caller(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for Caller
where
    ApiState: FromRef<S>,
{
    type Rejection = ChatError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(identity) = parts.extensions.get::<Identity>() {
            return Ok(Caller(identity.clone()));
        }
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("missing Authorization header"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(token_from_authorization)
            .ok_or_else(|| unauthorized("malformed Authorization header"))?;
        let identity = ApiState::from_ref(state).authenticate(token).await?;
        parts.extensions.insert(identity.clone());
        Ok(Caller(identity))
    }
}

/// `axum::Json` with protocol errors: wrong content type is 415, a body over
/// the limit 413, anything unparsable 400.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ChatError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ChatError::Api(json_rejection(rejection))),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::new(ErrorCode::UnsupportedMediaType, "expected Content-Type: application/json")
        }
        JsonRejection::BytesRejection(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::TooLarge, "request body over 128 KB")
        }
        other => bad_request(other.body_text()),
    }
}

/// `axum::extract::Query` with a `bad_request` rejection.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ChatError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(ChatError::Api(query_rejection(rejection))),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    bad_request(rejection.body_text())
}
