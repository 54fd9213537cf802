//! The `@connections` management API (what `aws-sdk-apigatewaymanagement`
//! calls): `POST` sends data to a connection, `GET` describes it, `DELETE`
//! closes it. A connection that is not (or no longer) open answers 410
//! GoneException, as on AWS. Requests are SigV4-signed by the SDK; the
//! signature is accepted without checking. `GET /_local/connections` lists
//! the open connections (local only: tests use it to drop one).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::{Outgoing, WebSocketApi};

pub fn router(stage: &str) -> Router<Arc<WebSocketApi>> {
    let with_stage = format!("/{stage}/@connections/{{id}}");
    Router::new()
        .route(&with_stage, post(post_to_connection).get(get_connection).delete(delete_connection))
        .route("/@connections/{id}", post(post_to_connection).get(get_connection).delete(delete_connection))
        .route("/_local/connections", get(list_connections))
}

fn aws_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (status, [("x-amzn-errortype", kind)], Json(json!({"message": message}))).into_response()
}

fn gone() -> Response {
    aws_error(StatusCode::GONE, "GoneException", "The connection is gone")
}

async fn post_to_connection(State(api): State<Arc<WebSocketApi>>, Path(id): Path<String>, body: Bytes) -> Response {
    if body.len() > api.limits.max_message_bytes {
        return aws_error(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLargeException", "Message too long");
    }
    let Some(connection) = api.connections.get(&id) else { return gone() };
    let frame = match String::from_utf8(body.to_vec()) {
        Ok(text) => Outgoing::Text(text),
        Err(error) => Outgoing::Binary(error.into_bytes()),
    };
    if connection.send(frame) {
        StatusCode::OK.into_response()
    } else {
        gone()
    }
}

/// Times in the management API are ISO 8601.
fn iso8601(epoch_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(epoch_ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

async fn get_connection(State(api): State<Arc<WebSocketApi>>, Path(id): Path<String>) -> Response {
    let Some(connection) = api.connections.get(&id) else { return gone() };
    let mut identity = json!({"sourceIp": connection.source_ip});
    if let Some(agent) = &connection.user_agent {
        identity["userAgent"] = json!(agent);
    }
    Json(json!({
        "connectedAt": iso8601(connection.connected_at),
        "identity": identity,
        "lastActiveAt": iso8601(connection.last_active_at()),
    }))
    .into_response()
}

async fn delete_connection(State(api): State<Arc<WebSocketApi>>, Path(id): Path<String>) -> Response {
    let Some(connection) = api.connections.get(&id) else { return gone() };
    connection.send(Outgoing::Close(1000, "Connection closed by the server".into()));
    StatusCode::NO_CONTENT.into_response()
}

async fn list_connections(State(api): State<Arc<WebSocketApi>>) -> Json<serde_json::Value> {
    Json(json!({"connections": api.connections.ids()}))
}
