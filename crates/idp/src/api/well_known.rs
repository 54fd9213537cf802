//! The discovery documents and the development outbox.

use std::sync::Arc;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Extension, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::error::{ApiError, ErrorKind};
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

/// Headers a reverse proxy adds: a request carrying one came from elsewhere,
/// whatever the TCP peer says.
const PROXY_HEADERS: [&str; 3] = ["forwarded", "x-forwarded-for", "x-real-ip"];

/// `GET /outbox?email=...`: the codes sent so far (only mounted when
/// `dev_outbox` is on). The codes sign anyone in, so even then only a
/// direct request from this machine is answered: a loopback peer, and no
/// proxy header (behind a proxy on the same machine, every peer is
/// loopback). The embedding server must supply `ConnectInfo`; without it
/// the outbox refuses.
pub async fn outbox(
    State(inner): State<Arc<Inner>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    query: Result<Query<OutboxQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let direct = peer.is_some_and(|Extension(ConnectInfo(peer))| peer.ip().is_loopback())
        && PROXY_HEADERS.iter().all(|name| !headers.contains_key(*name));
    if !direct {
        return ApiError::new(
            ErrorKind::NotAuthorized,
            "The development outbox answers only direct requests from this machine.",
        )
        .with_status(StatusCode::FORBIDDEN)
        .into_response();
    }
    let Ok(Query(query)) = query else {
        return ApiError::new(ErrorKind::InvalidParameter, "Expected ?email=<address>.").into_response();
    };
    let read =
        tokio::task::spawn_blocking(move || inner.outbox.messages(query.email.as_deref())).await;
    match read {
        Ok(Ok(messages)) => Json(serde_json::json!({ "messages": messages })).into_response(),
        _ => ApiError::internal().into_response(),
    }
}
