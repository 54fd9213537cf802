//! The discovery documents and the development outbox.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::Inner;

pub async fn jwks(State(inner): State<Arc<Inner>>) -> Response {
    (
        [(header::CACHE_CONTROL, "public, max-age=3600")],
        Json(inner.keys.jwks()),
    )
        .into_response()
}

/// The subset of OpenID discovery that JWT verifiers read.
pub async fn openid_configuration(State(inner): State<Arc<Inner>>) -> Response {
    Json(serde_json::json!({
        "issuer": inner.issuer,
        "jwks_uri": format!("{}/.well-known/jwks.json", inner.issuer),
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
        "response_types_supported": ["token"],
        "claims_supported": ["sub", "email", "email_verified", "name", "cognito:username", "iss", "aud", "exp", "iat", "auth_time"],
    }))
    .into_response()
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    email: Option<String>,
}

/// `GET /outbox?email=...`: the codes sent so far (only mounted when
/// `dev_outbox` is on).
pub async fn outbox(State(inner): State<Arc<Inner>>, Query(query): Query<OutboxQuery>) -> Response {
    let read =
        tokio::task::spawn_blocking(move || inner.outbox.messages(query.email.as_deref())).await;
    match read {
        Ok(Ok(messages)) => Json(serde_json::json!({ "messages": messages })).into_response(),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "outbox unreadable").into_response(),
    }
}
