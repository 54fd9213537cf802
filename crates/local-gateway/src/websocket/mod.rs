//! API Gateway's WebSocket API, locally: the upgrade at `/<stage>` runs the
//! `$connect` authorizer and route before the connection exists; every frame
//! is routed by the route selection expression (`$request.body.action`) to
//! its route's function as a MESSAGE event; the connection is closed at API
//! Gateway's limits (32 KB frames, 128 KB messages: 1009; 10 minutes idle and
//! 2 hours in all: 1001); `$disconnect` follows every close.

mod authorizer;
mod connections;
pub mod events;
mod management;
mod session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use rand::RngCore;
use serde_json::Value;

pub use connections::{Connection, Connections, Outgoing};
use events::{ConnectionContext, UpgradeRequest};

use crate::lambda::{Functions, Outcome};
use crate::template::{WebSocketApiDef, WsRoute};

/// API Gateway's WebSocket limits; tests shorten the timeouts.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_frame_bytes: usize,
    pub max_message_bytes: usize,
    pub idle_timeout: Duration,
    pub max_duration: Duration,
    /// Frames queued for a client that does not read, before it is closed.
    pub outbox_capacity: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 32 * 1024,
            max_message_bytes: 128 * 1024,
            idle_timeout: Duration::from_secs(10 * 60),
            max_duration: Duration::from_secs(2 * 60 * 60),
            outbox_capacity: 4096,
        }
    }
}

pub struct WebSocketApi {
    pub api: WebSocketApiDef,
    pub functions: Functions,
    pub connections: Connections,
    pub limits: Limits,
    pub region: String,
    pub account_id: String,
}

impl WebSocketApi {
    fn route(&self, key: &str) -> Option<&WsRoute> {
        self.api.routes.iter().find(|route| route.key == key)
    }

    /// The route a frame goes to: `$request.body.<field>` names it, else `$default`.
    fn select_route(&self, body: &str) -> Option<&WsRoute> {
        let selected = self
            .api
            .route_selection_expression
            .strip_prefix("$request.body.")
            .and_then(|field| {
                let json: Value = serde_json::from_str(body).ok()?;
                json.pointer(&format!("/{}", field.replace('.', "/")))?.as_str().map(str::to_owned)
            })
            .and_then(|key| self.route(&key));
        selected.or_else(|| self.route("$default"))
    }
}

/// `/<stage>` (the upgrade) and `/<stage>/@connections/{id}` (the
/// management API; also without the stage, as the SDK may be configured).
pub fn router<S>(api: Arc<WebSocketApi>) -> Router<S> {
    let stage = api.api.stage.clone();
    Router::new()
        .route(&format!("/{stage}"), get(upgrade))
        .merge(management::router(&stage))
        .with_state(api)
}

/// A connection id in API Gateway's shape (16 characters of base64 ending
/// in `=`), from the URL-safe alphabet so it is a valid path segment.
pub fn new_id() -> String {
    let mut bytes = [0u8; 11];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

async fn upgrade(
    State(api): State<Arc<WebSocketApi>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        // API Gateway answers a plain GET on a WebSocket URL with 426.
        return (StatusCode::UPGRADE_REQUIRED, "WebSocket upgrade required").into_response();
    };
    let request = UpgradeRequest {
        headers: headers.iter().filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned()))).collect(),
        query: url_pairs(query.as_deref().unwrap_or_default()),
    };
    let context = ConnectionContext {
        api_id: api.api.api_id.clone(),
        stage: api.api.stage.clone(),
        domain_name: request.header_value("host").unwrap_or("localhost").to_owned(),
        connection_id: new_id(),
        connected_at: crate::now_ms(),
        source_ip: peer.ip().to_string(),
        user_agent: request.header_value("user-agent").map(str::to_owned),
    };
    match connect(&api, &context, &request).await {
        Ok(()) => upgrade
            .max_frame_size(api.limits.max_frame_bytes)
            .max_message_size(api.limits.max_message_bytes)
            .on_upgrade(move |socket| session::run(api, context, socket)),
        Err(status) => {
            let message = status.canonical_reason().unwrap_or("Error");
            (status, axum::Json(serde_json::json!({"message": message}))).into_response()
        }
    }
}

/// The authorizer, then the `$connect` route; the connection exists only if
/// both let it.
async fn connect(api: &WebSocketApi, context: &ConnectionContext, request: &UpgradeRequest) -> Result<(), StatusCode> {
    let Some(route) = api.route("$connect") else { return Ok(()) };
    let authorizer_context = match &route.authorizer {
        Some(authorizer) => {
            let method_arn = context.method_arn(&api.region, &api.account_id, "$connect");
            Some(authorizer::authorize(authorizer, &api.functions, context, request, &method_arn).await?)
        }
        None => None,
    };
    let pool = api.functions.get(&route.function).ok_or(StatusCode::INTERNAL_SERVER_ERROR)?;
    let event = events::connect_event(context, request, authorizer_context.as_ref(), crate::now_ms(), &crate::request_id());
    match pool.invoke(event.to_string().into_bytes()).await {
        Outcome::Response(body) => {
            // A proxy integration's statusCode decides; no statusCode is 200.
            let status = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("statusCode").and_then(Value::as_u64))
                .unwrap_or(200);
            match StatusCode::from_u16(status as u16) {
                Ok(status) if status.is_success() => Ok(()),
                Ok(status) => Err(status),
                Err(_) => Err(StatusCode::BAD_GATEWAY),
            }
        }
        Outcome::Error(error) => {
            tracing::warn!(%error, connection = %context.connection_id, "$connect failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// `a=1&b=%20x` -> pairs, percent-decoded (`+` is a space in query strings).
pub fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            let decode = |s: &str| urlencoding::decode(&s.replace('+', " ")).map(|c| c.into_owned()).unwrap_or_else(|_| s.to_owned());
            (decode(name), decode(value))
        })
        .collect()
}
