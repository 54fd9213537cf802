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

/// `PUT /api/rooms/{id}/mute`: the caller mutes (`true`) or unmutes the room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetMute {
    pub muted: bool,
}

/// `POST /api/rooms/{id}/invite`: `user` is a `sub` or a username.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub user: String,
}

/// Query of `GET /api/rooms/{id}/messages`. At most one of `before`,
/// `after` and `around`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// A message id: the page holds that message with about half of
    /// `limit` older messages and the rest newer ones (newest first, like
    /// every page), so a client can show a message far back in history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub around: Option<String>,
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

/// `PUT /api/rooms/{id}/messages/{message_id}/reactions`: add (`on: true`)
/// or remove (`on: false`) the caller's reaction `emoji`; the answer is the
/// message as it now is (docs/protocol.md, "Reactions").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetReaction {
    pub emoji: String,
    pub on: bool,
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
    /// The id of the message of this room this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
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

/// Query of `GET /api/search`: messages of the caller's rooms (or of one of
/// them, `room`) whose text holds every word of `q`, anywhere (so "회의"
/// finds "회의실"), case-insensitive; newest first, `before` is the cursor of
/// the previous page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A message found, with the name of its room as the caller's room list
/// shows it (the other person's name for a direct conversation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub room_name: String,
    pub message: Message,
}

/// One page of search results; `before`: cursor of the next (older) page,
/// null when there is none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub before: Option<String>,
}

/// Query of `GET /api/rooms/{id}/moods`: how many days (today included),
/// and the caller's offset from UTC in minutes (east positive: Seoul is
/// 540), which decides where their days begin.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomMoodQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz_offset_min: Option<i32>,
}

/// How many messages of a day had each mood (the one shown: the author's,
/// else the model's); messages without a mood are not counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoodDay {
    /// The caller's local date, `YYYY-MM-DD`.
    pub date: String,
    pub positive: u32,
    pub neutral: u32,
    pub negative: u32,
}

/// The mood of a room: one entry per day, oldest first (days without
/// messages included, as zeros), and the moods of the newest messages
/// (`limits::MOOD_RECENT_MESSAGES` of them, those without a mood left out),
/// oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomMood {
    pub days: Vec<MoodDay>,
    pub recent: Vec<Mood>,
}
