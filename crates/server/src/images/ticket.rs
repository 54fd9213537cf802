//! `POST /api/uploads`: an upload ticket for a member of the room. The
//! rules (member, type, size) are ChatService's; this is only the HTTP edge.

use axum::extract::State;
use axum::Json;
use moodchat_protocol::images::{UploadRequest, UploadTicket};

use crate::chat::http::{Caller, ChatError, JsonBody};
use crate::chat::ChatState;

pub async fn create(
    State(chat): State<ChatState>,
    Caller(who): Caller,
    JsonBody(request): JsonBody<UploadRequest>,
) -> Result<Json<UploadTicket>, ChatError> {
    Ok(Json(chat.service.upload_ticket(&who, &request).await?))
}
