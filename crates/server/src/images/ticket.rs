//! `POST /api/uploads`: an upload ticket for a member of the room. The
//! rules (member, type, size) are ChatService's; the per-user quota of
//! tickets is the HTTP edge's.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use moodchat_core::rate_limit::Limited;
use moodchat_protocol::images::UploadRequest;

use crate::chat::http::{Caller, ChatError, JsonBody};
use crate::chat::ChatState;

pub async fn create(
    State(chat): State<ChatState>,
    Caller(who): Caller,
    JsonBody(request): JsonBody<UploadRequest>,
) -> Response {
    if let Err(throttled) = chat.service.charge(Limited::UploadTickets, &who.sub).await {
        return ChatError::from(throttled).into_response();
    }
    match chat.service.upload_ticket(&who, &request).await {
        Ok(ticket) => Json(ticket).into_response(),
        Err(error) => ChatError::Api(error).into_response(),
    }
}
