//! The chat's REST API (docs/protocol.md, "REST") as an axum router over a
//! small state: the `ChatService`, the token verifier, nothing else. It does
//! not know where it runs: the embedded server mounts it beside its
//! WebSocket route, and on AWS an HTTP Lambda runs it as is (lambda_http
//! serves an axum router), with the same service built on other adapters.
//! Rate limits and quotas go through the service's `RateLimiter` port, so
//! they hold across however many instances serve the API.
//!
//! Mounting (under `/api`): `api.merge(moodchat_http_api::router(state))`.

pub mod extract;
pub mod rest;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use moodchat_core::{ChatService, Identity, TokenVerifier, VerifiedToken};
use moodchat_protocol::limits::MAX_BODY_BYTES;
use moodchat_protocol::ApiError;

pub use extract::{Caller, ChatError, JsonBody, QueryParams};

/// Everything the REST routes need; cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    pub service: Arc<ChatService>,
    verifier: Arc<dyn TokenVerifier>,
}

impl ApiState {
    pub fn new(service: Arc<ChatService>, verifier: Arc<dyn TokenVerifier>) -> Self {
        Self { service, verifier }
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
}

/// The REST API, to be mounted under `/api`. It has no fallback of its own,
/// so it merges into a router that has one.
pub fn router<S: Clone + Send + Sync + 'static>(state: ApiState) -> Router<S> {
    Router::new()
        .route("/rooms", get(rest::list_rooms).post(rest::create_room))
        .route("/rooms/{room}/join", post(rest::join_room))
        .route("/rooms/{room}/leave", post(rest::leave_room))
        .route("/rooms/{room}/invite", post(rest::invite))
        .route("/rooms/{room}/mute", put(rest::set_muted))
        .route("/rooms/{room}/messages", get(rest::history).post(rest::send_message))
        .route("/rooms/{room}/messages/{message}", put(rest::edit_message).delete(rest::unsend_message))
        .route("/rooms/{room}/messages/{message}/mood", put(rest::set_mood).delete(rest::clear_mood))
        .route("/rooms/{room}/messages/{message}/reactions", put(rest::react))
        .route("/rooms/{room}/read", post(rest::mark_read))
        .route("/rooms/{room}/members", get(rest::members))
        .route("/rooms/{room}/moods", get(rest::room_mood))
        .route("/search", get(rest::search))
        .route("/dms", post(rest::open_direct))
        .route("/users", get(rest::search_users))
        .route("/uploads", post(rest::upload_ticket))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
