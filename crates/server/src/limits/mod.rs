//! Rate limits and quotas of the HTTP surface (docs/security.md lists each
//! with its default and flag): where a request came from, the per-user
//! quotas of the chat and image routes, and the one shape of a refusal, a
//! `429 {"code":"rate_limited"}` with `Retry-After`. The identity provider
//! keeps its own (moodchat_idp::IdpLimits), keyed on the same client address.

pub mod client_address;
pub mod quotas;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use moodchat_limits::RetryAfter;
use moodchat_protocol::{ApiError, ErrorCode};

pub use client_address::{client_address_layer, ClientIpSource};
pub use quotas::{QuotaSettings, UploadQuotaSettings, UploadQuotas};

/// Over a limit: 429, the protocol's JSON error, and when to come back.
#[derive(Debug)]
pub struct Refused {
    pub retry_after: RetryAfter,
    pub message: String,
}

impl Refused {
    pub fn new(retry_after: RetryAfter, message: impl Into<String>) -> Self {
        Self { retry_after, message: message.into() }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let body = Json(ApiError::new(ErrorCode::RateLimited, self.message));
        let retry_after = [(header::RETRY_AFTER, HeaderValue::from(self.retry_after.secs()))];
        (StatusCode::TOO_MANY_REQUESTS, retry_after, body).into_response()
    }
}
