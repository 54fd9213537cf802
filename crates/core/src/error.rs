//! Domain errors are the wire errors: every failure a ChatService operation
//! can report maps to exactly one documented `ErrorCode`.

use moodchat_protocol::{ApiError, ErrorCode};

pub type ChatResult<T> = Result<T, ApiError>;

pub fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, message)
}

pub fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, message)
}

pub fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::NotFound, message)
}

/// The request is fine but the resource's state refuses it (a message too
/// old to edit, or unsent).
pub fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Conflict, message)
}

pub fn too_large(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::TooLarge, message)
}

pub fn unauthorized(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, message)
}

/// A storage or infrastructure failure. The detail goes to the log by the
/// adapter; clients only learn that a retry is safe.
pub fn internal(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Internal, message)
}

pub fn unsupported_media_type(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::UnsupportedMediaType, message)
}

/// A feature this deployment does not offer (e.g. uploads without storage).
pub fn unavailable(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Unavailable, message)
}
