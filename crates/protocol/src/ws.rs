//! WebSocket frames (docs/protocol.md, "WebSocket"). Client frames are routed
//! by `action` like API Gateway's `$request.body.action`; server events are
//! tagged by `type`.

use serde::{Deserialize, Serialize};

use crate::chat::{AuthorMood, Message, Mood, UserRef};
use crate::error::{ApiError, ErrorCode};

/// A frame from a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action")]
pub enum ClientFrame {
    #[serde(rename = "join")]
    Join {
        room: String,
        /// The last message the client has; everything after it is replayed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<Since>,
        /// The room's change number the client is up to date with: changes
        /// to older messages after it are replayed as `message_changed`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        changes: Option<u64>,
    },
    #[serde(rename = "leave")]
    Leave { room: String },
    #[serde(rename = "sendMessage")]
    SendMessage(SendMessageFrame),
    #[serde(rename = "typing")]
    Typing { room: String },
    #[serde(rename = "read")]
    Read { room: String, message_id: String },
    /// Sets (or, with `mood` null or absent, clears) the author's mood of
    /// one of the sender's own messages.
    #[serde(rename = "setMood")]
    SetMood {
        room: String,
        message_id: String,
        #[serde(default)]
        mood: Option<Mood>,
    },
    /// Replaces the text of one of the sender's own messages (within
    /// `limits::EDIT_WINDOW_MS` of sending it).
    #[serde(rename = "editMessage")]
    EditMessage { room: String, message_id: String, text: String },
    /// Unsends one of the sender's own messages: its text and image are
    /// removed for everyone.
    #[serde(rename = "unsendMessage")]
    UnsendMessage { room: String, message_id: String },
    /// Adds (`on: true`) or removes (`on: false`) the sender's reaction
    /// `emoji` (one of `limits::REACTION_EMOJI`) on a message of a room they
    /// are a member of. Setting what is already so changes nothing, so a
    /// repeated frame is harmless. The room hears `message_changed`.
    #[serde(rename = "react")]
    React { room: String, message_id: String, emoji: String, on: bool },
    #[serde(rename = "ping")]
    Ping,
}

impl ClientFrame {
    /// Every action this protocol version knows; anything else is
    /// `unknown_action` rather than `bad_request`.
    pub const ACTIONS: &'static [&'static str] = &[
        "join",
        "leave",
        "sendMessage",
        "typing",
        "read",
        "setMood",
        "editMessage",
        "unsendMessage",
        "react",
        "ping",
    ];
}

/// Where a `join` resumes: the seq of the last message the client has, or
/// (for clients deployed before seqs existed) its id, mapped to its seq.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Since {
    Seq(u64),
    Id(String),
}

/// `sendMessage`. `room` defaults to the lobby and `message` is an alias of
/// `text`, so the wscat tutorial frame `{"action":"sendMessage","message":"hi"}` works.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessageFrame {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, alias = "message", skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_key: Option<String>,
    /// The id of the message of this room this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

/// An event from the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    Message { message: Message },
    Ack {
        client_id: String,
        id: String,
        room: String,
        #[serde(default)]
        seq: u64,
    },
    /// `changes`: the room's change number the connection is now up to
    /// date with (pass it as `join`'s `changes` after a reconnect).
    Joined {
        room: String,
        #[serde(default)]
        changes: u64,
    },
    /// A room was added to the user's list by someone else (a direct
    /// conversation they started); every connection of the user is already
    /// subscribed to it.
    RoomAdded { room: String },
    Presence { room: String, online: Vec<UserRef> },
    Typing { room: String, user: UserRef },
    Read {
        room: String,
        user: UserRef,
        message_id: String,
        /// The seq of `message_id`: the reader's new read marker.
        #[serde(default)]
        seq: u64,
    },
    /// The author of a message set or cleared their mood of it; `author_mood`
    /// is null when cleared (the model's `sentiment` shows again).
    AuthorMood {
        room: String,
        message_id: String,
        author_mood: Option<AuthorMood>,
        /// The room's change number of this correction (0 from servers
        /// before changes were numbered).
        #[serde(default)]
        change: u64,
    },
    /// A message was edited or unsent (or, in a `join` replay, changed in
    /// any way): replace the copy with this one if its `change` is higher.
    MessageChanged { message: Message },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    Pong,
}

impl ServerEvent {
    pub fn error(error: ApiError, client_id: Option<String>) -> Self {
        ServerEvent::Error { code: error.code, message: error.message, client_id }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wscat_tutorial_frame_is_a_lobby_send() {
        let frame: ClientFrame = serde_json::from_str(r#"{"action":"sendMessage","message":"hi"}"#).unwrap();
        assert_eq!(
            frame,
            ClientFrame::SendMessage(SendMessageFrame { text: Some("hi".into()), ..Default::default() })
        );
    }

    #[test]
    fn join_with_since_round_trips() {
        let json = r#"{"action":"join","room":"lobby","since":"01J0000000000000000000000A"}"#;
        let frame: ClientFrame = serde_json::from_str(json).unwrap();
        assert_eq!(
            frame,
            ClientFrame::Join {
                room: "lobby".into(),
                since: Some(Since::Id("01J0000000000000000000000A".into())),
                changes: None
            }
        );
        assert_eq!(serde_json::to_string(&frame).unwrap(), json);
    }

    #[test]
    fn join_since_a_seq_is_a_number() {
        let json = r#"{"action":"join","room":"lobby","since":42}"#;
        let frame: ClientFrame = serde_json::from_str(json).unwrap();
        assert_eq!(frame, ClientFrame::Join { room: "lobby".into(), since: Some(Since::Seq(42)), changes: None });
        let resume = r#"{"action":"join","room":"lobby","since":42,"changes":7}"#;
        let resumed: ClientFrame = serde_json::from_str(resume).unwrap();
        assert_eq!(resumed, ClientFrame::Join { room: "lobby".into(), since: Some(Since::Seq(42)), changes: Some(7) });
        assert_eq!(serde_json::to_string(&frame).unwrap(), json);
        assert!(serde_json::from_str::<ClientFrame>(r#"{"action":"join","room":"lobby","since":-1}"#).is_err());
    }

    #[test]
    fn ping_has_no_fields() {
        assert_eq!(serde_json::from_str::<ClientFrame>(r#"{"action":"ping"}"#).unwrap(), ClientFrame::Ping);
        assert_eq!(serde_json::to_string(&ServerEvent::Pong).unwrap(), r#"{"type":"pong"}"#);
    }

    #[test]
    fn error_events_carry_the_client_id_only_when_known() {
        let e = ServerEvent::error(ApiError::new(ErrorCode::TooLarge, "too long"), Some("c1".into()));
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"type":"error","code":"too_large","message":"too long","client_id":"c1"}"#
        );
        let e = ServerEvent::error(ApiError::new(ErrorCode::UnknownAction, "x"), None);
        assert!(!serde_json::to_string(&e).unwrap().contains("client_id"));
    }

    #[test]
    fn set_mood_frames_set_and_clear() {
        let set = r#"{"action":"setMood","room":"lobby","message_id":"01J","mood":"positive"}"#;
        let frame: ClientFrame = serde_json::from_str(set).unwrap();
        assert_eq!(
            frame,
            ClientFrame::SetMood { room: "lobby".into(), message_id: "01J".into(), mood: Some(Mood::Positive) }
        );
        assert_eq!(serde_json::to_string(&frame).unwrap(), set);
        for clear in [
            r#"{"action":"setMood","room":"lobby","message_id":"01J","mood":null}"#,
            r#"{"action":"setMood","room":"lobby","message_id":"01J"}"#,
        ] {
            let frame: ClientFrame = serde_json::from_str(clear).unwrap();
            assert!(matches!(frame, ClientFrame::SetMood { mood: None, .. }), "{clear}");
        }
        let bogus = r#"{"action":"setMood","room":"lobby","message_id":"01J","mood":"furious"}"#;
        assert!(serde_json::from_str::<ClientFrame>(bogus).is_err());
    }

    #[test]
    fn a_cleared_author_mood_is_an_explicit_null() {
        let event =
            ServerEvent::AuthorMood { room: "lobby".into(), message_id: "01J".into(), author_mood: None, change: 3 };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"type":"author_mood","room":"lobby","message_id":"01J","author_mood":null,"change":3}"#
        );
        let set = ServerEvent::AuthorMood {
            room: "lobby".into(),
            message_id: "01J".into(),
            author_mood: Some(AuthorMood { label: Mood::Negative, set_at: 5 }),
            change: 0,
        };
        assert!(serde_json::to_string(&set).unwrap().contains(r#""author_mood":{"label":"negative","set_at":5}"#));
    }

    #[test]
    fn a_react_frame_says_on_or_off() {
        let json = r#"{"action":"react","room":"lobby","message_id":"01J","emoji":"👍","on":true}"#;
        let frame: ClientFrame = serde_json::from_str(json).unwrap();
        assert_eq!(
            frame,
            ClientFrame::React { room: "lobby".into(), message_id: "01J".into(), emoji: "👍".into(), on: true }
        );
        assert_eq!(serde_json::to_string(&frame).unwrap(), json);
        assert!(ClientFrame::ACTIONS.contains(&"react"));
        let without_on = r#"{"action":"react","room":"lobby","message_id":"01J","emoji":"x"}"#;
        assert!(serde_json::from_str::<ClientFrame>(without_on).is_err(), "`on` is required: a toggle is not idempotent");
    }

    #[test]
    fn edit_and_unsend_frames() {
        let edit = r#"{"action":"editMessage","room":"lobby","message_id":"01J","text":"fixed"}"#;
        let frame: ClientFrame = serde_json::from_str(edit).unwrap();
        assert_eq!(
            frame,
            ClientFrame::EditMessage { room: "lobby".into(), message_id: "01J".into(), text: "fixed".into() }
        );
        assert_eq!(serde_json::to_string(&frame).unwrap(), edit);
        let unsend = r#"{"action":"unsendMessage","room":"lobby","message_id":"01J"}"#;
        let frame: ClientFrame = serde_json::from_str(unsend).unwrap();
        assert_eq!(frame, ClientFrame::UnsendMessage { room: "lobby".into(), message_id: "01J".into() });
        assert!(serde_json::from_str::<ClientFrame>(r#"{"action":"editMessage","room":"lobby","message_id":"01J"}"#)
            .is_err());
        let joined = serde_json::to_string(&ServerEvent::Joined { room: "lobby".into(), changes: 4 }).unwrap();
        assert_eq!(joined, r#"{"type":"joined","room":"lobby","changes":4}"#);
        let older: ServerEvent = serde_json::from_str(r#"{"type":"joined","room":"lobby"}"#).unwrap();
        assert_eq!(older, ServerEvent::Joined { room: "lobby".into(), changes: 0 });
    }

    #[test]
    fn ack_is_tagged_by_type() {
        let ack = ServerEvent::Ack { client_id: "c".into(), id: "01J".into(), room: "lobby".into(), seq: 7 };
        assert_eq!(
            serde_json::to_string(&ack).unwrap(),
            r#"{"type":"ack","client_id":"c","id":"01J","room":"lobby","seq":7}"#
        );
    }
}
