//! The chat backend of the embedded server: ChatService (moodchat-core) wired
//! to a SQLite store, an in-process hub, and JWT verification, exposed as the
//! REST and WebSocket API of docs/protocol.md.
//!
//! Mounting (under `/api`): `api.merge(chat::router(chat_state))`.

pub mod auth;
pub mod http;
pub mod hub;
pub mod rest;
pub mod sqlite;
pub mod ws;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post, put};
use axum::Router;
use moodchat_core::rate_limit::{KeyedRateLimiter, RateLimit};
use moodchat_core::{ChatService, Identity, ImagePorts, NoSentiment, SentimentProvider, TaskSpawner, TokenVerifier, VerifiedToken};
use moodchat_protocol::limits::{DEFAULT_IDLE_TIMEOUT_SECS, MAX_BODY_BYTES};
use moodchat_protocol::ApiError;

use crate::limits::quotas::charge_direct_conversation;
use crate::limits::{QuotaSettings, UserQuotas};
pub use auth::{JwksProvider, JwksVerifier};
pub use hub::{Hub, HubSettings};
pub use sqlite::SqliteStore;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "chat.sqlite3";

/// Tunables; `Default` is what docs/protocol.md documents.
#[derive(Clone)]
pub struct ChatConfig {
    /// Close a WebSocket after this long without a frame from the client.
    pub idle_timeout: Duration,
    /// Whether `/ws` is served at all (off behind proxies that block WebSockets).
    pub websocket: bool,
    pub ws_frames: RateLimit,
    pub rest_sends: RateLimit,
    /// Events queued per WebSocket before it is closed as a slow consumer.
    pub outbox_capacity: usize,
    /// Presence changes within this window go out as one event.
    pub presence_delay: Duration,
    /// WebSockets one user may hold open at once.
    pub max_websockets_per_user: usize,
    pub sentiment: Arc<dyn SentimentProvider>,
    /// Upload tickets and image lookups (`crate::images::Images::ports`);
    /// without them messages cannot carry images.
    pub images: Option<ImagePorts>,
    /// Per-user quotas of upload tickets and new direct conversations.
    pub quotas: QuotaSettings,
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(DEFAULT_IDLE_TIMEOUT_SECS),
            websocket: true,
            ws_frames: RateLimit::WS_FRAMES,
            rest_sends: RateLimit::REST_SENDS,
            outbox_capacity: HubSettings::default().outbox_capacity,
            presence_delay: HubSettings::default().presence_delay,
            max_websockets_per_user: HubSettings::default().max_connections_per_user,
            sentiment: Arc::new(NoSentiment),
            images: None,
            quotas: QuotaSettings::default(),
        }
    }
}

/// Commits run as tokio tasks, so a request cancelled by its client's
/// disconnection cannot stop one halfway (moodchat_core::commit).
struct TokioSpawner;

impl TaskSpawner for TokioSpawner {
    fn spawn(&self, task: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'static>>) {
        tokio::spawn(task);
    }
}

/// Everything the chat routes need; cheap to clone.
#[derive(Clone)]
pub struct ChatState {
    pub service: Arc<ChatService>,
    pub hub: Hub,
    verifier: Arc<dyn TokenVerifier>,
    config: Arc<ChatConfig>,
    rest_sends: Arc<KeyedRateLimiter>,
    quotas: Arc<UserQuotas>,
}

impl ChatState {
    /// Opens (or creates) `<data_dir>/chat.sqlite3` and builds the service.
    pub fn open(data_dir: &Path, verifier: Arc<dyn TokenVerifier>, config: ChatConfig) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        let store = Arc::new(SqliteStore::open(&data_dir.join(DATABASE_FILE))?);
        let hub = Hub::new(HubSettings {
            outbox_capacity: config.outbox_capacity,
            presence_delay: config.presence_delay,
            max_connections_per_user: config.max_websockets_per_user,
        });
        let mut service = ChatService::builder(store, Arc::new(hub.clone()), Arc::new(hub.clone()), Arc::new(TokioSpawner))
            .sentiment(config.sentiment.clone());
        if let Some(images) = config.images.clone() {
            service = service.images(images);
        }
        let service = service.build();
        Ok(Self {
            service: Arc::new(service),
            hub,
            verifier,
            rest_sends: Arc::new(KeyedRateLimiter::new(config.rest_sends)),
            quotas: Arc::new(UserQuotas::new(&config.quotas)),
            config: Arc::new(config),
        })
    }

    /// Verifies an id token and records its user.
    pub async fn authenticate(&self, token: &str) -> Result<Identity, ApiError> {
        Ok(self.authenticate_token(token).await?.identity)
    }

    /// `authenticate`, keeping the token's expiry and sign-in session.
    pub async fn authenticate_token(&self, token: &str) -> Result<VerifiedToken, ApiError> {
        let verified = self.verifier.verify_token(token).await?;
        self.service.register(&verified.identity).await?;
        Ok(verified)
    }

    pub fn quotas(&self) -> &UserQuotas {
        &self.quotas
    }
}

/// The chat API, to be mounted under `/api`. It has no fallback of its own,
/// so it merges into a router that has one.
pub fn router<S: Clone + Send + Sync + 'static>(chat: ChatState) -> Router<S> {
    // Without the WebSocket route `/ws` falls through to the API's JSON 404,
    // which a browser sees as a refused upgrade.
    let websocket = if chat.config.websocket { Router::new().route("/ws", get(ws::upgrade)) } else { Router::new() };
    Router::new()
        .route("/rooms", get(rest::list_rooms).post(rest::create_room))
        .route("/rooms/{room}/join", post(rest::join_room))
        .route("/rooms/{room}/messages", get(rest::history).post(rest::send_message))
        .route("/rooms/{room}/messages/{message}/mood", put(rest::set_mood).delete(rest::clear_mood))
        .route("/rooms/{room}/read", post(rest::mark_read))
        .route("/rooms/{room}/members", get(rest::members))
        .route(
            "/dms",
            post(rest::open_direct).route_layer(from_fn_with_state(chat.clone(), charge_direct_conversation)),
        )
        .route("/users", get(rest::search_users))
        .merge(websocket)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(chat)
}
