//! The `http-api` function's application: the REST router of
//! crates/http-api under `/api` (the HTTP API's route is `ANY
//! /api/{proxy+}` on its `$default` stage, so the event's path keeps the
//! prefix), with the protocol's JSON errors for what no route answers and
//! for a handler that panicked.
//!
//! A panic fails only its own request: this layer turns it into a 500 and
//! the instance serves the next event (lambda_runtime also catches a panic
//! that escapes, reporting the invocation as failed; both need the `lambda`
//! profile's unwinding, docs/aws.md "Build profile").

use axum::extract::OriginalUri;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Router;
use moodchat_http_api::ChatError;
use moodchat_protocol::{ApiError, ErrorCode};
use tower_http::catch_panic::CatchPanicLayer;

/// `api` (routes relative to `/api`) as the function serves it.
pub fn app(api: Router) -> Router {
    let api = api.fallback(unknown_path).method_not_allowed_fallback(method_not_allowed);
    Router::new().nest("/api", api).fallback(unknown_path).layer(CatchPanicLayer::custom(panic_to_json))
}

async fn unknown_path(OriginalUri(uri): OriginalUri) -> ChatError {
    ChatError::Api(ApiError::new(ErrorCode::NotFound, format!("no API endpoint at {}", uri.path())))
}

async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ChatError {
    ChatError::Api(ApiError::new(ErrorCode::MethodNotAllowed, format!("{method} is not allowed on {}", uri.path())))
}

fn panic_to_json(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ChatError::Api(ApiError::new(ErrorCode::Internal, "internal error")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    async fn call(app: &Router, method: &str, path: &str) -> (StatusCode, serde_json::Value) {
        let request = Request::builder().method(method).uri(path).body(Body::empty()).unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
    }

    #[tokio::test]
    async fn a_panicking_request_is_a_json_500_and_the_next_one_is_served() {
        let api = Router::new()
            .route("/boom", get(|| async { panic!("a bug") as &'static str }))
            .route("/fine", get(|| async { axum::Json(serde_json::json!({"ok": true})) }));
        let app = app(api);
        let (status, body) = call(&app, "GET", "/api/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["code"], "internal");
        assert_eq!(call(&app, "GET", "/api/fine").await, (StatusCode::OK, serde_json::json!({"ok": true})));
    }

    #[tokio::test]
    async fn unknown_paths_and_methods_get_the_protocols_errors() {
        let app = app(Router::new().route("/fine", get(|| async { "ok" })));
        let (status, body) = call(&app, "GET", "/api/nothing").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
        let (status, body) = call(&app, "GET", "/elsewhere").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
        let (status, body) = call(&app, "DELETE", "/api/fine").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")));
    }
}
