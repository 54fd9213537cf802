//! Lambda's Invoke API (`POST /2015-03-31/functions/{name}/invocations`), so a
//! handler's `aws-sdk-lambda` client (with `AWS_ENDPOINT_URL_LAMBDA` pointing
//! here) can call another function of the stack, synchronously
//! (`RequestResponse`) or not (`Event`). Signatures are accepted unchecked.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::json;

use super::{Functions, Outcome};

pub fn router<S>(functions: Functions) -> Router<S> {
    Router::new().route("/2015-03-31/functions/{name}/invocations", post(invoke)).with_state(functions)
}

fn aws_error(status: StatusCode, kind: &str, message: String) -> Response {
    (status, [("x-amzn-errortype", kind.to_owned())], axum::Json(json!({"Type": "User", "message": message}))).into_response()
}

async fn invoke(State(functions): State<Functions>, Path(name): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(pool) = functions.by_name(&name) else {
        return aws_error(StatusCode::NOT_FOUND, "ResourceNotFoundException", format!("Function not found: {name}"));
    };
    if !body.is_empty() && serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return aws_error(StatusCode::BAD_REQUEST, "InvalidRequestContentException", "Could not parse request body into json".into());
    }
    let payload = if body.is_empty() { b"{}".to_vec() } else { body.to_vec() };
    match headers.get("x-amz-invocation-type").and_then(|v| v.to_str().ok()).unwrap_or("RequestResponse") {
        "Event" => {
            pool.invoke_async(payload);
            StatusCode::ACCEPTED.into_response()
        }
        "DryRun" => StatusCode::NO_CONTENT.into_response(),
        "RequestResponse" => match pool.invoke(payload).await {
            Outcome::Response(body) => (StatusCode::OK, [("x-amz-executed-version", "$LATEST")], body).into_response(),
            Outcome::Error(document) => (
                StatusCode::OK,
                [("x-amz-executed-version", "$LATEST"), ("x-amz-function-error", "Unhandled")],
                axum::Json(document),
            )
                .into_response(),
        },
        other => aws_error(StatusCode::BAD_REQUEST, "InvalidParameterValueException", format!("unknown invocation type {other}")),
    }
}
