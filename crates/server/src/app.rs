//! Assembling the server: settings, the router with every part mounted, and
//! `serve`, which runs it until a shutdown signal.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderValue, Method};
use axum::response::IntoResponse;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, get};
use axum::{Json, Router};
use moodchat_protocol::{ErrorCode, RuntimeConfig, Transport};
use serde::Serialize;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use moodchat_idp::{Idp, IdpConfig, IdpLimits, Revocation};

use crate::chat::{self, ChatConfig, ChatState, JwksVerifier};
use crate::http_error::HttpError;
use crate::images::{self, ImageSettings, Images};
use crate::limits::{client_address_layer, ClientIpSource, QuotaSettings};
use crate::log_redaction::RedactedSpan;
use crate::mood::MoodSettings;
use crate::serve::ConnectionSettings;
use crate::{json_errors, runtime_config, spa};

/// Everything `moodchat serve` needs to know, whatever it was read from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub dist_dir: PathBuf,
    /// Without a trailing slash; `None` means "answer with relative URLs".
    pub public_url: Option<String>,
    pub transport: Transport,
    /// Confirm sign-ups without a code.
    pub auto_confirm: bool,
    /// Expose sent codes at GET /idp/outbox.
    pub dev_outbox: bool,
    /// Lifetime of id and access tokens.
    pub token_ttl: std::time::Duration,
    /// Upload limit and the administrators' webhook.
    pub images: ImageSettings,
    /// Who labels message moods (local model, or a remote provider with local fallback).
    pub mood: MoodSettings,
    /// Whether `/api/ws` exists, and when it closes idle connections.
    pub websocket: WebSocketSettings,
    /// Deadlines and the connection cap (`crate::serve`).
    pub connections: ConnectionSettings,
    /// Where a request came from: the TCP peer, or a trusted proxy's header.
    pub client_ip_source: ClientIpSource,
    /// The identity provider's rate limits (sign-up, sign-in starts).
    pub idp_limits: IdpLimits,
    /// Per-user quotas of upload tickets and direct conversations.
    pub quotas: QuotaSettings,
}

/// The WebSocket endpoint's settings; `Default` is what docs/protocol.md documents.
#[derive(Debug, Clone)]
pub struct WebSocketSettings {
    /// Off: `/api/ws` is a 404 and clients poll (`auto` falls back on its
    /// own), for proxies that do not pass WebSockets.
    pub enabled: bool,
    /// Close a WebSocket after this long without a frame from the client.
    pub idle_timeout: std::time::Duration,
    /// WebSockets one user may hold open at once.
    pub max_per_user: usize,
    /// Events queued per WebSocket before it is closed as a slow consumer.
    pub outbox_capacity: usize,
}

impl Default for WebSocketSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            idle_timeout: std::time::Duration::from_secs(moodchat_protocol::limits::DEFAULT_IDLE_TIMEOUT_SECS),
            max_per_user: chat::HubSettings::default().max_connections_per_user,
            outbox_capacity: chat::HubSettings::default().outbox_capacity,
        }
    }
}

#[derive(Clone)]
struct AppState {
    runtime_config: Arc<RuntimeConfig>,
}

/// The whole HTTP surface: the SPA, `/config.json`, the chat API under
/// `/api` and the identity provider under `/idp`. `base_url` is where this
/// server is reached (`http://127.0.0.1:8080`): token issuers derive from it.
///
/// `/api` is JSON only: an unknown API path (`/api/` too) is a JSON 404,
/// never the SPA's index.html, and every error there is JSON
/// (`json_errors`). Requests carry their `ClientAddress` for the
/// per-client limits, and are logged without credentials.
pub async fn build_router(settings: &Settings, base_url: &str) -> anyhow::Result<Router> {
    std::fs::create_dir_all(&settings.data_dir).map_err(|error| {
        anyhow::anyhow!("cannot create the data directory {}: {error}", settings.data_dir.display())
    })?;
    let idp = open_identity_provider(settings, base_url).await?;
    // Read through a provider, so keys the IdP adds later are picked up.
    let jwks_source = idp.clone();
    let verifier = JwksVerifier::from_jwks_provider(
        Arc::new(move || jwks_source.jwks_json().to_string()),
        idp.issuer(),
        idp.client_id(),
    )?;
    let images = Images::open(&settings.data_dir, settings.images.clone())?;
    let chat_config = ChatConfig {
        sentiment: crate::mood::provider(&settings.mood)?,
        images: Some(images.ports()),
        idle_timeout: settings.websocket.idle_timeout,
        websocket: settings.websocket.enabled,
        max_websockets_per_user: settings.websocket.max_per_user,
        outbox_capacity: settings.websocket.outbox_capacity,
        quotas: settings.quotas,
        ..ChatConfig::default()
    };
    let chat = ChatState::open(&settings.data_dir, Arc::new(verifier), chat_config)?;
    images::sweeper::spawn(images.clone(), settings.data_dir.join(chat::DATABASE_FILE));
    // A WebSocket must not outlive the sign-in that opened it.
    let hub = chat.hub.clone();
    idp.on_revocation(move |revocation| match revocation {
        Revocation::AllSessions { sub } => hub.sign_out(sub, None),
        Revocation::Session { sub, session } => hub.sign_out(sub, Some(session)),
    });

    let mut runtime_config =
        runtime_config::describe(settings.public_url.as_deref(), settings.transport, settings.websocket.idle_timeout);
    runtime_config.search = chat.service.offers_search();
    let state = AppState { runtime_config: Arc::new(runtime_config) };
    let api = Router::new()
        .route("/health", get(health))
        .merge(chat::router(chat))
        .merge(images::router(images))
        .fallback(unknown_api_path)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn(json_errors::ensure_json));

    let router = Router::new()
        .route("/config.json", get(config_json))
        .route("/api/", any(unknown_api_path))
        .nest("/api", api)
        .with_state(state)
        // nest_service, not nest: the Cognito API is POSTed to `/idp/`.
        .nest_service("/idp", idp.router::<()>())
        .merge(spa::router(&settings.dist_dir));
    Ok(with_security_headers(router)
        .layer(from_fn_with_state(settings.client_ip_source.clone(), client_address_layer))
        .layer(TraceLayer::new_for_http().make_span_with(RedactedSpan))
        .layer(CatchPanicLayer::custom(panic_to_json)))
}

/// Opens (or creates, with a new signing key) the identity provider in
/// `<data-dir>/idp`. Blocking work, so off the async threads.
async fn open_identity_provider(settings: &Settings, base_url: &str) -> anyhow::Result<Idp> {
    let mut config = IdpConfig::new(settings.data_dir.join("idp"));
    config.issuer_base = format!("{base_url}/idp");
    config.region = runtime_config::LOCAL_REGION.to_owned();
    config.user_pool_id = runtime_config::LOCAL_USER_POOL_ID.to_owned();
    config.client_id = runtime_config::LOCAL_CLIENT_ID.to_owned();
    config.auto_confirm = settings.auto_confirm;
    config.dev_outbox = settings.dev_outbox;
    config.id_token_ttl = settings.token_ttl;
    config.access_token_ttl = settings.token_ttl;
    config.limits = settings.idp_limits.clone();
    let idp = tokio::task::spawn_blocking(move || Idp::open(config)).await??;
    Ok(idp)
}

/// Binds, prints the URL to open, and serves until SIGINT/SIGTERM.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let listener = TcpListener::bind(settings.addr)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", settings.addr))?;
    let local = listener.local_addr()?;
    let base_url = settings.public_url.clone().unwrap_or_else(|| format!("http://{local}"));
    let router = build_router(&settings, &base_url).await?;
    tracing::info!(addr = %local, data_dir = %settings.data_dir.display(), dev_outbox = settings.dev_outbox, "moodchat started");
    // One plain line on stdout: the README's run command and the end-to-end
    // tests read the URL (and the port, when it was 0) from it.
    println!("moodchat listening on http://{local}");
    crate::serve::serve(listener, router, settings.connections, crate::shutdown::signal()).await?;
    tracing::info!("moodchat stopped");
    Ok(())
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

async fn health() -> Json<Health> {
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

async fn config_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
        Json(state.runtime_config.as_ref().clone()),
    )
}

async fn unknown_api_path(OriginalUri(uri): OriginalUri) -> HttpError {
    HttpError::not_found(format!("no API endpoint at {}", uri.path()))
}

async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> HttpError {
    HttpError::new(ErrorCode::MethodNotAllowed, format!("{method} is not allowed on {}", uri.path()))
}

fn panic_to_json(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    tracing::error!("a request handler panicked");
    HttpError::new(moodchat_protocol::ErrorCode::Internal, "internal error").into_response()
}

/// The embedded server's Content-Security-Policy: everything from this
/// origin, wasm compilation allowed, nothing inline (trunk's loader is made
/// an external file, scripts/build_app.py). customHttp.yml sets
/// the same policy on Amplify Hosting, plus the AWS endpoints.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; \
    object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

/// Headers every response carries, unless a handler set its own.
fn with_security_headers(router: Router) -> Router {
    let headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    ];
    headers.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)))
    })
}
