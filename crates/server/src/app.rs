//! Assembling the server: settings, the router with every part mounted, and
//! `serve`, which runs it until a shutdown signal.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use moodchat_protocol::{RuntimeConfig, Transport};
use serde::Serialize;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::http_error::HttpError;
use crate::{runtime_config, spa};

/// Everything `moodchat serve` needs to know, whatever it was read from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub dist_dir: PathBuf,
    /// Without a trailing slash; `None` means "answer with relative URLs".
    pub public_url: Option<String>,
    pub transport: Transport,
}

#[derive(Clone)]
struct AppState {
    runtime_config: Arc<RuntimeConfig>,
}

/// The whole HTTP surface. `/api` is JSON only: an unknown API path is a JSON
/// 404, never the SPA's index.html.
pub async fn build_router(settings: &Settings) -> anyhow::Result<Router> {
    std::fs::create_dir_all(&settings.data_dir).map_err(|error| {
        anyhow::anyhow!("cannot create the data directory {}: {error}", settings.data_dir.display())
    })?;
    let state = AppState {
        runtime_config: Arc::new(runtime_config::describe(settings.public_url.as_deref(), settings.transport)),
    };

    let api = Router::new()
        .route("/health", get(health))
        .fallback(unknown_api_path);

    Ok(Router::new()
        .route("/config.json", get(config_json))
        .nest("/api", api)
        .with_state(state)
        .merge(spa::router(&settings.dist_dir))
        .layer(security_headers())
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(panic_to_json)))
}

/// Binds, prints the URL to open, and serves until SIGINT/SIGTERM.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let router = build_router(&settings).await?;
    let listener = TcpListener::bind(settings.addr)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", settings.addr))?;
    let local = listener.local_addr()?;
    tracing::info!(addr = %local, data_dir = %settings.data_dir.display(), "moodchat started");
    // One plain line on stdout: the README's run command and the end-to-end
    // tests read the URL (and the port, when it was 0) from it.
    println!("moodchat listening on http://{local}");
    axum::serve(listener, router)
        .with_graceful_shutdown(crate::shutdown::signal())
        .await?;
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

fn panic_to_json(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    tracing::error!("a request handler panicked");
    HttpError::new(moodchat_protocol::ErrorCode::Internal, "internal error").into_response()
}

/// Headers every response carries. The CSP is set per deployment (see
/// customHttp.yml for Amplify); here the safe, universal ones.
fn security_headers() -> tower::ServiceBuilder<
    tower::layer::util::Stack<
        SetResponseHeaderLayer<HeaderValue>,
        tower::layer::util::Stack<SetResponseHeaderLayer<HeaderValue>, tower::layer::util::Identity>,
    >,
> {
    tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
}
