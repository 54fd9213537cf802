//! The HTTP edge of the chat API: errors as `{code, message}` with the right
//! status, and extractors whose rejections use the same shape (axum's own
//! rejections are plain text).

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use moodchat_core::error::{bad_request, unauthorized};
use moodchat_core::Identity;
use moodchat_protocol::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;

use super::auth::token_from_authorization;
use super::ChatState;

/// An `ApiError` as an HTTP response.
#[derive(Debug)]
pub struct ChatError(pub ApiError);

impl From<ApiError> for ChatError {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl IntoResponse for ChatError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.0)).into_response()
    }
}

/// The verified caller of a REST endpoint (`Authorization: <id token>` or
/// `Bearer <id token>`), already recorded as a chat user. Kept in the
/// request's extensions, so a route layer that needed it first (a quota)
/// does not make the handler verify the token again.
pub struct Caller(pub Identity);

impl FromRequestParts<ChatState> for Caller {
    type Rejection = ChatError;

    async fn from_request_parts(parts: &mut Parts, chat: &ChatState) -> Result<Self, Self::Rejection> {
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
        let identity = chat.authenticate(token).await?;
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
            Err(rejection) => Err(ChatError(json_rejection(rejection))),
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
            Err(rejection) => Err(ChatError(query_rejection(rejection))),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    bad_request(rejection.body_text())
}
