//! The protocol's JSON, read and written through the browser's own
//! `JSON.parse` / `JSON.stringify` into and from the protocol crate's types.
//!
//! serde's derived code for the chat types (an internally tagged event enum,
//! a flattened room summary, a dozen structs) made up a third of what the
//! chat added to the bundle; reading members by name is a few KB instead.
//! The field names are the protocol's (docs/protocol.md), and the browser
//! tests parse the exact documents the server sends.

use js_sys::{Array, Object, Reflect, JSON};
use moodchat_protocol::{AuthorMood, Image, Member, Message, Mood, Quote, Reaction, Room, RoomKind, RoomSummary, Sentiment, UserRef};
use wasm_bindgen::{JsCast, JsValue};

fn get(value: &JsValue, name: &str) -> JsValue {
    if value.is_object() {
        Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn text(value: &JsValue, name: &str) -> Option<String> {
    get(value, name).as_string()
}

fn number(value: &JsValue, name: &str) -> Option<f64> {
    get(value, name).as_f64()
}

fn list(value: &JsValue, name: &str) -> Vec<JsValue> {
    get(value, name).dyn_into::<Array>().map(|array| array.iter().collect()).unwrap_or_default()
}

/// Parses a document; `null` when it is not JSON.
pub fn parse(text: &str) -> JsValue {
    JSON::parse(text).unwrap_or(JsValue::NULL)
}

pub fn user(value: &JsValue) -> Option<UserRef> {
    Some(UserRef { sub: text(value, "sub")?, name: text(value, "name")? })
}

pub fn message(value: &JsValue) -> Option<Message> {
    let image = get(value, "image");
    let sentiment = get(value, "sentiment");
    Some(Message {
        id: text(value, "id")?,
        room: text(value, "room")?,
        sender: user(&get(value, "sender"))?,
        text: text(value, "text").unwrap_or_default(),
        image: image.is_object().then(|| Image {
            key: text(&image, "key").unwrap_or_default(),
            url: text(&image, "url").unwrap_or_default(),
            w: number(&image, "w").map(|w| w as u32),
            h: number(&image, "h").map(|h| h as u32),
            thumb_url: text(&image, "thumb_url"),
        }),
        sentiment: sentiment.is_object().then(|| Sentiment {
            label: text(&sentiment, "label").unwrap_or_default(),
            score: number(&sentiment, "score").unwrap_or_default() as f32,
            source: text(&sentiment, "source").unwrap_or_default(),
        }),
        author_mood: author_mood(&get(value, "author_mood")),
        created_at: number(value, "created_at")? as i64,
        client_id: text(value, "client_id").unwrap_or_default(),
        seq: number(value, "seq").unwrap_or_default() as u64,
        edited_at: number(value, "edited_at").map(|at| at as i64),
        deleted_at: number(value, "deleted_at").map(|at| at as i64),
        change: number(value, "change").unwrap_or_default() as u64,
        reactions: list(value, "reactions")
            .iter()
            .filter_map(|reaction| Some(Reaction { emoji: text(reaction, "emoji")?, users: users(reaction, "users") }))
            .collect(),
        reply_to: quote(&get(value, "reply_to")),
    })
}

/// The quote of the message a reply answers (docs/protocol.md, "Replies").
pub fn quote(value: &JsValue) -> Option<Quote> {
    Some(Quote {
        id: text(value, "id")?,
        seq: number(value, "seq").unwrap_or_default() as u64,
        sender: user(&get(value, "sender")).unwrap_or_default(),
        text: text(value, "text").unwrap_or_default(),
        image: get(value, "image").as_bool().unwrap_or_default(),
        deleted: get(value, "deleted").as_bool().unwrap_or_default(),
    })
}

/// The author's mood of a message; `None` when absent, null (cleared) or a
/// label this app does not know.
pub fn author_mood(value: &JsValue) -> Option<AuthorMood> {
    Some(AuthorMood { label: Mood::parse(&text(value, "label")?)?, set_at: number(value, "set_at")? as i64 })
}

pub fn messages(value: &JsValue, name: &str) -> Vec<Message> {
    list(value, name).iter().filter_map(message).collect()
}

pub fn users(value: &JsValue, name: &str) -> Vec<UserRef> {
    list(value, name).iter().filter_map(user).collect()
}

/// `{"members": [{"sub", "name", "online"}]}`.
pub fn members(value: &JsValue) -> Vec<Member> {
    list(value, "members")
        .iter()
        .filter_map(|member| {
            let user = user(member)?;
            Some(Member { sub: user.sub, name: user.name, online: get(member, "online").as_bool().unwrap_or_default() })
        })
        .collect()
}

pub fn room(value: &JsValue) -> Option<Room> {
    let kind = if text(value, "kind").as_deref() == Some("direct") { RoomKind::Direct } else { RoomKind::Public };
    Some(Room { id: text(value, "id")?, name: text(value, "name").unwrap_or_default(), kind })
}

pub fn room_summary(value: &JsValue) -> Option<RoomSummary> {
    Some(RoomSummary {
        room: room(value)?,
        member: get(value, "member").as_bool().unwrap_or(true),
        last_message: message(&get(value, "last_message")),
        unread: number(value, "unread").unwrap_or_default() as u32,
        last_read_seq: number(value, "last_read_seq").unwrap_or_default() as u64,
        peer: user(&get(value, "peer")),
        muted: get(value, "muted").as_bool().unwrap_or_default(),
        mentions: number(value, "mentions").unwrap_or_default() as u32,
    })
}

pub fn room_summaries(value: &JsValue) -> Vec<RoomSummary> {
    list(value, "rooms").iter().filter_map(room_summary).collect()
}

/// A history page: its messages and cursors, the messages changed since
/// the `changes` asked for, and the room's change number it is up to date
/// with (docs/protocol.md, "Changes").
pub struct Page {
    pub messages: Vec<Message>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub changed: Vec<Message>,
    pub changes: u64,
}

pub fn page(value: &JsValue) -> Page {
    Page {
        messages: messages(value, "messages"),
        before: text(value, "before"),
        after: text(value, "after"),
        changed: messages(value, "changed"),
        changes: number(value, "changes").unwrap_or_default() as u64,
    }
}

/// A server event (docs/protocol.md, "Server → client"), as far as the app
/// acts on it.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Message(Message),
    Ack { client_id: String, id: String, room: String },
    Presence { room: String, online: Vec<UserRef> },
    Typing { room: String, user: UserRef },
    Read { room: String, user: UserRef, message_id: String },
    /// An error about one of our sends.
    SendFailed { client_id: String },
    /// One of our sends came too fast (`rate_limited`): send it again later.
    SendThrottled { client_id: String },
    /// Our subscription to `room` is live (and the room is ours now), up to
    /// date with the room's change number `changes`.
    Joined { room: String, changes: u64 },
    /// Someone started a direct conversation with us; the socket is already
    /// subscribed to it.
    RoomAdded { room: String },
    /// The author of a message set (or, with `None`, cleared) its mood.
    AuthorMood { room: String, message_id: String, author_mood: Option<AuthorMood>, change: u64 },
    /// A message was edited, unsent or reacted to (or changed while we were away).
    Changed(Message),
    /// `pong` and errors about nothing we sent.
    Other,
}

pub fn event(frame: &str) -> Option<Event> {
    let value = parse(frame);
    let room = || text(&value, "room");
    Some(match text(&value, "type")?.as_str() {
        "message" => Event::Message(message(&get(&value, "message"))?),
        "ack" => Event::Ack { client_id: text(&value, "client_id")?, id: text(&value, "id")?, room: room()? },
        "joined" => Event::Joined { room: room()?, changes: number(&value, "changes").unwrap_or_default() as u64 },
        "message_changed" => Event::Changed(message(&get(&value, "message"))?),
        "room_added" => Event::RoomAdded { room: room()? },
        "presence" => Event::Presence { room: room()?, online: users(&value, "online") },
        "typing" => Event::Typing { room: room()?, user: user(&get(&value, "user"))? },
        "read" => Event::Read { room: room()?, user: user(&get(&value, "user"))?, message_id: text(&value, "message_id")? },
        "author_mood" => Event::AuthorMood {
            room: room()?,
            message_id: text(&value, "message_id")?,
            author_mood: author_mood(&get(&value, "author_mood")),
            change: number(&value, "change").unwrap_or_default() as u64,
        },
        "error" => match text(&value, "client_id") {
            Some(client_id) if text(&value, "code").as_deref() == Some("rate_limited") => Event::SendThrottled { client_id },
            Some(client_id) => Event::SendFailed { client_id },
            None => Event::Other,
        },
        _ => Event::Other,
    })
}

/// `{"name": value, ...}` as JSON text; `None` members are left out.
pub fn object(members: &[(&str, Option<&str>)]) -> String {
    let members: Vec<(&str, JsValue)> =
        members.iter().filter_map(|(name, value)| Some((*name, JsValue::from_str((*value)?)))).collect();
    stringify(&members)
}

fn stringify(members: &[(&str, JsValue)]) -> String {
    let object = Object::new();
    for (name, value) in members {
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    JSON::stringify(&object).map(String::from).unwrap_or_default()
}

/// A `join` frame: `since` (the last message we have) and `changes` (the
/// room's change number we are up to date with: a JSON number).
pub fn join_frame(room: &str, since: Option<&str>, changes: Option<u64>) -> String {
    let mut members = vec![("action", JsValue::from_str("join")), ("room", JsValue::from_str(room))];
    if let Some(since) = since {
        members.push(("since", JsValue::from_str(since)));
    }
    if let Some(changes) = changes {
        members.push(("changes", JsValue::from_f64(changes as f64)));
    }
    stringify(&members)
}
