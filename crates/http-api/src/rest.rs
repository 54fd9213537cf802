//! REST handlers (docs/protocol.md, "REST"): each one authenticates, calls
//! ChatService, and maps the result to the documented status and body.
//! Sends, mood changes and new direct conversations are charged to the
//! caller's rate limits first.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use moodchat_core::rate_limit::Limited;
use moodchat_core::SendRequest;
use moodchat_protocol::images::{UploadRequest, UploadTicket};
use moodchat_protocol::rest::{
    CreateRoom, EditMessage, HistoryQuery, Invite, MarkRead, MemberList, MessagePage, OpenDirect, RoomList, RoomListQuery,
    RoomMood, RoomMoodQuery, SearchQuery, SearchResults, SendMessage, SetMood, SetMute, SetReaction, UserList, UserQuery,
};
use moodchat_protocol::{Message, Room, UserRef};

use crate::extract::{Caller, ChatError, JsonBody, QueryParams};
use crate::ApiState;

type Result<T> = std::result::Result<T, ChatError>;

pub async fn list_rooms(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    QueryParams(query): QueryParams<RoomListQuery>,
) -> Result<Json<RoomList>> {
    Ok(Json(RoomList { rooms: chat.service.list_rooms(&who, query.discover).await? }))
}

pub async fn create_room(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody<CreateRoom>,
) -> Result<(StatusCode, Json<Room>)> {
    Ok((StatusCode::CREATED, Json(chat.service.create_room(&who, &body.name).await?)))
}

/// `POST /rooms/{id}/leave`: the caller leaves a public room (204).
pub async fn leave_room(State(chat): State<ApiState>, Caller(who): Caller, Path(room): Path<String>) -> Result<StatusCode> {
    chat.service.leave_room(&who, &room).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn join_room(State(chat): State<ApiState>, Caller(who): Caller, Path(room): Path<String>) -> Result<Json<Room>> {
    Ok(Json(chat.service.join_room(&who, &room).await?))
}

/// `PUT /rooms/{id}/mute`: the caller mutes or unmutes a room (204).
pub async fn set_muted(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    Path(room): Path<String>,
    JsonBody(body): JsonBody<SetMute>,
) -> Result<StatusCode> {
    // A write like a mood change: counted against the same per-user rate.
    chat.service.charge(Limited::Sends, &who.sub).await?;
    chat.service.set_muted(&who, &room, body.muted).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /rooms/{id}/invite`: the caller brings someone into a public room
/// (200 with the person invited).
pub async fn invite(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    Path(room): Path<String>,
    JsonBody(body): JsonBody<Invite>,
) -> Result<Json<UserRef>> {
    chat.service.charge(Limited::Invitations, &who.sub).await?;
    Ok(Json(chat.service.invite(&who, &room, &body.user).await?))
}

pub async fn open_direct(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody<OpenDirect>,
) -> Result<Json<Room>> {
    chat.service.charge(Limited::DirectConversations, &who.sub).await?;
    Ok(Json(chat.service.open_direct(&who, &body.user).await?))
}

pub async fn history(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    Path(room): Path<String>,
    QueryParams(query): QueryParams<HistoryQuery>,
) -> Result<Json<MessagePage>> {
    Ok(Json(chat.service.history(&who, &room, &query).await?))
}

/// Polling-mode send: 201 with the new message, or 200 with the original
/// when `client_id` was already used (a retry).
pub async fn send_message(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    Path(room): Path<String>,
    JsonBody(body): JsonBody<SendMessage>,
) -> Result<Response> {
    chat.service.charge(Limited::Sends, &who.sub).await?;
    let request = SendRequest { client_id: body.client_id, text: body.text, image_key: body.image_key, reply_to: body.reply_to };
    let sent = chat.service.send(&who, &room, request).await?;
    let status = if sent.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(sent.message)).into_response())
}

/// `PUT .../messages/{id}/mood`: the author's mood of their own message
/// (null clears it). Counted against the same per-user rate as sends.
pub async fn set_mood(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    Path((room, message_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<SetMood>,
) -> Result<Json<Message>> {
    chat.service.charge(Limited::Sends, &who.sub).await?;
    Ok(Json(chat.service.set_author_mood(&who, &room, &message_id, body.mood).await?))
}

/// `PUT .../messages/{id}`: the author's new text (docs/protocol.md, "Edit
/// and unsend"). Counted against the same per-user rate as sends.
pub async fn edit_message(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    Path((room, message_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<EditMessage>,
) -> Result<Json<Message>> {
    chat.service.charge(Limited::Sends, &who.sub).await?;
    Ok(Json(chat.service.edit_message(&who, &room, &message_id, &body.text).await?))
}

/// `PUT .../messages/{id}/reactions`: the caller's reaction on or off
/// (docs/protocol.md, "Reactions"); the answer is the message as it now is.
/// Counted against the same per-user rate as sends.
pub async fn react(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    Path((room, message_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<SetReaction>,
) -> Result<Json<Message>> {
    chat.service.charge(Limited::Sends, &who.sub).await?;
    Ok(Json(chat.service.react(&who, &room, &message_id, &body.emoji, body.on).await?))
}

/// `DELETE .../messages/{id}`: unsend; the answer is the emptied message.
pub async fn unsend_message(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    Path((room, message_id)): Path<(String, String)>,
) -> Result<Json<Message>> {
    chat.service.charge(Limited::Sends, &who.sub).await?;
    Ok(Json(chat.service.unsend_message(&who, &room, &message_id).await?))
}

/// `DELETE .../messages/{id}/mood`: back to the model's mood.
pub async fn clear_mood(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    Path((room, message_id)): Path<(String, String)>,
) -> Result<Json<Message>> {
    chat.service.charge(Limited::Sends, &who.sub).await?;
    Ok(Json(chat.service.set_author_mood(&who, &room, &message_id, None).await?))
}

pub async fn mark_read(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    Path(room): Path<String>,
    JsonBody(body): JsonBody<MarkRead>,
) -> Result<StatusCode> {
    chat.service.mark_read(&who, &room, &body.message_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn members(State(chat): State<ApiState>, Caller(who): Caller, Path(room): Path<String>) -> Result<Json<MemberList>> {
    Ok(Json(MemberList { members: chat.service.members(&who, &room).await? }))
}

pub async fn search_users(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    QueryParams(query): QueryParams<UserQuery>,
) -> Result<Json<UserList>> {
    Ok(Json(UserList { users: chat.service.search_users(&who, &query.query, query.limit).await? }))
}

/// `POST /uploads`: an upload ticket for a member of the room. The rules
/// (member, type, size) are ChatService's, the ticket is the image ports'
/// (an HMAC-signed URL on the embedded server, an S3 presigned PUT on AWS);
/// each one counts against the user's ticket rate.
pub async fn upload_ticket(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    JsonBody(request): JsonBody<UploadRequest>,
) -> Result<Json<UploadTicket>> {
    chat.service.charge(Limited::UploadTickets, &who.sub).await?;
    Ok(Json(chat.service.upload_ticket(&who, &request).await?))
}

/// `GET /search?q=&room=&before=&limit=`: messages of the caller's rooms.
pub async fn search(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    QueryParams(query): QueryParams<SearchQuery>,
) -> Result<Json<SearchResults>> {
    chat.service.charge(Limited::Searches, &who.sub).await?;
    Ok(Json(chat.service.search(&who, &query).await?))
}

/// `GET /rooms/{id}/moods?days=&tz_offset_min=`: the mood of a room.
pub async fn room_mood(
    State(chat): State<ApiState>,
    Caller(who): Caller,
    Path(room): Path<String>,
    QueryParams(query): QueryParams<RoomMoodQuery>,
) -> Result<Json<RoomMood>> {
    Ok(Json(chat.service.room_mood(&who, &room, &query).await?))
}
