//! Errors: the ones Cognito clients see on the wire, and the ones the
//! embedding server sees when opening the provider.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The exception names of the Cognito IdP API that this provider emits.
/// Clients switch on these names (`err.code` / `err.name`), so they must be
/// spelled exactly as Cognito spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotAuthorized,
    UsernameExists,
    UserNotConfirmed,
    UserNotFound,
    CodeMismatch,
    ExpiredCode,
    InvalidPassword,
    InvalidParameter,
    AliasExists,
    LimitExceeded,
    TooManyRequests,
    ResourceNotFound,
    Unauthorized,
    UnsupportedTokenType,
    UnknownOperation,
    Serialization,
    /// A body over the API's limit.
    PayloadTooLarge,
    InternalError,
}

impl ErrorKind {
    /// The `__type` on the wire.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::NotAuthorized => "NotAuthorizedException",
            Self::UsernameExists => "UsernameExistsException",
            Self::UserNotConfirmed => "UserNotConfirmedException",
            Self::UserNotFound => "UserNotFoundException",
            Self::CodeMismatch => "CodeMismatchException",
            Self::ExpiredCode => "ExpiredCodeException",
            Self::InvalidPassword => "InvalidPasswordException",
            Self::InvalidParameter => "InvalidParameterException",
            Self::AliasExists => "AliasExistsException",
            Self::LimitExceeded => "LimitExceededException",
            Self::TooManyRequests => "TooManyRequestsException",
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::Unauthorized => "UnauthorizedException",
            Self::UnsupportedTokenType => "UnsupportedTokenTypeException",
            Self::UnknownOperation => "UnknownOperationException",
            Self::Serialization => "SerializationException",
            Self::PayloadTooLarge => "RequestEntityTooLargeException",
            Self::InternalError => "InternalErrorException",
        }
    }

    /// Cognito answers client faults with 400 and its own faults with 500;
    /// throttling is a 429 here (with `Retry-After`), which Cognito's clients
    /// read by the `__type` all the same.
    pub fn status(self) -> StatusCode {
        match self {
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// An error answer of the Cognito JSON protocol:
/// `{"__type":"NotAuthorizedException","message":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
    /// The kind's status unless said otherwise (a 404 for unknown paths).
    pub status: StatusCode,
    /// Seconds to wait, for throttling answers (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: kind.status(),
            retry_after: None,
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Over a rate limit: a 429 that says when to come back.
    pub fn too_many_requests(retry_after: moodchat_limits::RetryAfter) -> Self {
        let mut error = Self::new(ErrorKind::TooManyRequests, "Too many requests, slow down.");
        error.retry_after = Some(retry_after.secs());
        error
    }

    /// The one answer for wrong password, unknown user, bad proof, replayed
    /// or expired challenge and stale timestamp, so none of them can be told
    /// apart by a caller.
    pub fn incorrect_credentials() -> Self {
        Self::new(ErrorKind::NotAuthorized, "Incorrect username or password.")
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            ErrorKind::InvalidParameter,
            format!("Missing required parameter {name}"),
        )
    }

    /// Cognito's wording for a missing top-level member.
    pub fn null_member(member: &str) -> Self {
        Self::new(
            ErrorKind::InvalidParameter,
            format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
            ),
        )
    }

    pub fn code_mismatch() -> Self {
        Self::new(
            ErrorKind::CodeMismatch,
            "Invalid verification code provided, please try again.",
        )
    }

    pub fn expired_code() -> Self {
        Self::new(
            ErrorKind::ExpiredCode,
            "Invalid code provided, please request a code again.",
        )
    }

    pub fn attempt_limit() -> Self {
        Self::new(
            ErrorKind::LimitExceeded,
            "Attempt limit exceeded, please try after some time.",
        )
    }

    pub fn internal() -> Self {
        Self::new(ErrorKind::InternalError, "Internal server error.")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.type_name(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> Self {
        tracing::error!(%error, "idp store failure");
        Self::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "__type": self.kind.type_name(), "message": self.message });
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::api::AMZ_JSON),
        );
        // Amplify reads the type from this header before the body.
        if let Ok(value) = HeaderValue::from_str(&format!("{}:", self.kind.type_name())) {
            headers.insert("x-amzn-errortype", value);
        }
        response
    }
}

/// Why [`crate::Idp::open`] failed.
#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    #[error("invalid idp configuration: {0}")]
    InvalidConfig(String),
    #[error("idp data directory {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("idp database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error(
        "idp database schema version {found} is newer than this build understands ({supported})"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("idp signing key {path}: {message}")]
    SigningKey {
        path: std::path::PathBuf,
        message: String,
    },
}
