//! Under `/api`, every error is the protocol's JSON (`{"code","message"}`),
//! including the ones no handler wrote: axum's extractor rejections (a path
//! segment that is not valid UTF-8, a body that broke off or timed out) are
//! plain text. This layer rewrites any error response that is not JSON into
//! the same shape, keeping its status and headers.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use moodchat_protocol::{ApiError, ErrorCode};

/// Longest message kept from a plain-text error body.
const MAX_MESSAGE_BYTES: usize = 1024;

pub async fn ensure_json(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_MESSAGE_BYTES).await.ok().map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned());
    let message = text
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_lowercase());
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let json = Json(ApiError::new(code_for(status), message)).into_response();
    let (json_parts, json_body) = json.into_parts();
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, Body::new(json_body))
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"))
}

/// The protocol's code for an HTTP status (docs/protocol.md, "Errors").
pub fn code_for(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        409 => ErrorCode::Conflict,
        413 => ErrorCode::TooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        429 => ErrorCode::RateLimited,
        503 => ErrorCode::Unavailable,
        400..=499 => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    async fn answer(router: Router, path: &str) -> (StatusCode, Option<String>, serde_json::Value) {
        let router = router.layer(axum::middleware::from_fn(ensure_json));
        let response = router.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let retry = response.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, retry, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    #[tokio::test]
    async fn plain_text_rejections_become_protocol_errors() {
        let router = Router::new().route("/rooms/{room}", get(|axum::extract::Path(room): axum::extract::Path<String>| async move { room }));
        let (status, _, body) = answer(router, "/rooms/%FF%FE").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "bad_request");
        assert!(body["message"].as_str().unwrap().contains("UTF-8"), "{body}");
    }

    #[tokio::test]
    async fn status_and_headers_are_kept_and_json_is_left_alone() {
        let router = Router::new()
            .route("/busy", get(|| async { (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "") }))
            .route("/json", get(|| async { (StatusCode::CONFLICT, Json(ApiError::new(ErrorCode::Conflict, "taken"))) }));
        let (status, retry, body) = answer(router.clone(), "/busy").await;
        assert_eq!((status, retry.as_deref(), &body["code"]), (StatusCode::SERVICE_UNAVAILABLE, Some("5"), &"unavailable".into()));
        let (status, _, body) = answer(router, "/json").await;
        assert_eq!((status, body["message"].as_str()), (StatusCode::CONFLICT, Some("taken")));
    }
}
