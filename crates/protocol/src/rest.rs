//! REST request and response bodies (docs/protocol.md, "REST").

use serde::{Deserialize, Serialize};

use crate::chat::{Member, Message, Mood, RoomSummary, UserRef};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomList {
    pub rooms: Vec<RoomSummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateRoom {
    pub name: String,
}

/// `POST /api/dms`: `user` is a `sub` or a username.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenDirect {
    pub user: String,
}

/// Query of `GET /api/rooms/{id}/messages`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The room's change number the client is up to date with (a page's
    /// `changes`): the page then also carries the messages changed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<u64>,
}

/// One page of history. `before`: cursor for older messages (null at the
/// start of the room); `after`: cursor to poll for newer ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// With `?changes=`: messages changed since (edited, unsent, their mood
    /// corrected), in the order of their latest change; the client replaces
    /// its copies (docs/protocol.md, "Changes").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<Message>,
    /// The room's change number this page is up to date with: pass it back
    /// as `?changes=` on the next poll.
    #[serde(default)]
    pub changes: u64,
}

/// `PUT /api/rooms/{id}/messages/{message_id}`: the author's new text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditMessage {
    pub text: String,
}

/// `POST /api/rooms/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessage {
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_key: Option<String>,
}

/// `PUT /api/rooms/{id}/messages/{message_id}/mood`: the author's mood of
/// their own message; `null` clears it (as does `DELETE` on the same path).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetMood {
    pub mood: Option<Mood>,
}

/// `POST /api/rooms/{id}/read`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkRead {
    pub message_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberList {
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    #[serde(default)]
    pub query: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<UserRef>,
}

/// `GET /api/rooms?discover=true`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomListQuery {
    #[serde(default)]
    pub discover: bool,
}
