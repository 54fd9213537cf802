//! The error body every REST endpoint returns and every WebSocket `error`
//! event carries: `{"code": "...", "message": "..."}`. Codes are stable and
//! machine-readable (the SPA translates them); messages are for people
//! reading logs or using curl.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// Stable error codes, `snake_case` on the wire. Unknown codes from a newer
/// server deserialize as `Other` so an older SPA still shows something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or frame is not valid JSON or has the wrong shape.
    BadRequest,
    /// Missing, expired or invalid token.
    Unauthorized,
    /// Authenticated, but not allowed (e.g. not a member of the room).
    Forbidden,
    NotFound,
    /// The path exists but not with this HTTP method.
    MethodNotAllowed,
    /// A body, frame or field exceeds a documented limit.
    TooLarge,
    RateLimited,
    /// An unknown WebSocket action.
    UnknownAction,
    Conflict,
    UnsupportedMediaType,
    Internal,
    Unavailable,
    #[serde(other)]
    Other,
}

impl ErrorCode {
    /// The HTTP status a REST endpoint answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::UnknownAction => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal | ErrorCode::Other => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message() {
        let e = ApiError::new(ErrorCode::TooLarge, "text longer than 4000 characters");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"too_large","message":"text longer than 4000 characters"}"#
        );
    }

    #[test]
    fn unknown_codes_from_newer_servers_become_other() {
        let e: ApiError = serde_json::from_str(r#"{"code":"quota_exceeded","message":"m"}"#).unwrap();
        assert_eq!(e.code, ErrorCode::Other);
    }
}
