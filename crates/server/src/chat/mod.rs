//! The chat backend of the embedded server: ChatService (moodchat-core) wired
//! to a SQLite store, an in-process hub and JWT verification (moodchat-jwks),
//! exposed as the REST API (moodchat-http-api, which an HTTP Lambda runs as
//! is) and the WebSocket API of docs/protocol.md.
//!
//! Mounting (under `/api`): `api.merge(chat::router(chat_state))`.

pub mod hub;
pub mod sqlite;
pub mod ws;

/// The REST edge's errors and extractors, for the server's other routes.
pub use moodchat_http_api::extract as http;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use moodchat_core::rate_limit::{LocalRateLimiter, Rate, RateLimits};
use moodchat_core::{ChatService, Identity, ImagePorts, NoSentiment, SentimentProvider, TaskSpawner, TokenVerifier, VerifiedToken};
use moodchat_http_api::ApiState;
use moodchat_protocol::limits::DEFAULT_IDLE_TIMEOUT_SECS;
use moodchat_protocol::ApiError;

use crate::limits::QuotaSettings;
pub use moodchat_jwks::{JwksProvider, JwksVerifier};
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
    /// Frames per WebSocket connection.
    pub ws_frames: Rate,
    /// REST sends and mood changes per user.
    pub rest_sends: Rate,
    /// Searches per user.
    pub searches: Rate,
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
            ws_frames: RateLimits::default().frames,
            rest_sends: RateLimits::default().sends,
            searches: RateLimits::default().searches,
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

impl ChatConfig {
    /// Every limit, counted in this process.
    fn rate_limits(&self) -> RateLimits {
        RateLimits {
            frames: self.ws_frames,
            sends: self.rest_sends,
            direct_conversations: self.quotas.direct_conversations,
            upload_tickets: self.quotas.upload_tickets,
            searches: self.searches,
            // Not a flag: 60 an hour is far above a person's use (docs/security.md).
            invitations: RateLimits::default().invitations,
        }
    }
}

/// Everything the chat routes need; cheap to clone. The REST routes see
/// only its `ApiState`; the WebSocket route needs the hub too.
#[derive(Clone)]
pub struct ChatState {
    pub service: Arc<ChatService>,
    pub hub: Hub,
    api: ApiState,
    config: Arc<ChatConfig>,
}

impl FromRef<ChatState> for ApiState {
    fn from_ref(chat: &ChatState) -> ApiState {
        chat.api.clone()
    }
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
        let mut service =
            ChatService::builder(store.clone(), Arc::new(hub.clone()), Arc::new(hub.clone()), Arc::new(TokioSpawner))
                .sentiment(config.sentiment.clone())
                .rate_limiter(Arc::new(LocalRateLimiter::new(config.rate_limits())))
                // The FTS5 index lives in the same file (sqlite::search).
                .search(store);
        if let Some(images) = config.images.clone() {
            service = service.images(images);
        }
        let service = Arc::new(service.build());
        let api = ApiState::new(service.clone(), verifier);
        Ok(Self { service, hub, api, config: Arc::new(config) })
    }

    /// Verifies an id token and records its user.
    pub async fn authenticate(&self, token: &str) -> Result<Identity, ApiError> {
        self.api.authenticate(token).await
    }

    /// `authenticate`, keeping the token's expiry and sign-in session.
    pub async fn authenticate_token(&self, token: &str) -> Result<VerifiedToken, ApiError> {
        self.api.authenticate_token(token).await
    }
}

/// The chat API, to be mounted under `/api`: the REST router of
/// moodchat-http-api and the WebSocket route. It has no fallback of its own,
/// so it merges into a router that has one.
pub fn router<S: Clone + Send + Sync + 'static>(chat: ChatState) -> Router<S> {
    // Without the WebSocket route `/ws` falls through to the API's JSON 404,
    // which a browser sees as a refused upgrade.
    let websocket = if chat.config.websocket {
        Router::new().route("/ws", get(ws::upgrade)).with_state(chat.clone())
    } else {
        Router::new()
    };
    moodchat_http_api::router(chat.api.clone()).merge(websocket)
}
