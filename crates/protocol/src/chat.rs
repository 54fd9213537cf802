//! The chat domain as it appears on the wire: users, rooms, messages.

use serde::{Deserialize, Serialize};

/// A user as others see them. `sub` is the Cognito subject; `name` the
/// display name from the verified token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserRef {
    pub sub: String,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoomKind {
    /// Anyone signed in can read and join.
    Public,
    /// A conversation between exactly two users; only they can read it.
    Direct,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: String,
    pub name: String,
    pub kind: RoomKind,
}

/// A room in the caller's room list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomSummary {
    #[serde(flatten)]
    pub room: Room,
    /// Whether the caller is a member (false only with `?discover=true`).
    pub member: bool,
    pub last_message: Option<Message>,
    /// Messages after the caller's read marker (room seq - last read seq),
    /// capped at `limits::UNREAD_CAP`.
    pub unread: u32,
    /// The seq of the newest message the caller has read in this room (0:
    /// none). Sending moves it too.
    #[serde(default)]
    pub last_read_seq: u64,
    /// For a direct conversation: the other person.
    pub peer: Option<UserRef>,
    /// The caller muted the room: it counts unread, and the app never
    /// notifies of it (docs/protocol.md, "Rooms").
    #[serde(default, skip_serializing_if = "is_false")]
    pub muted: bool,
    /// Of the first `limits::MENTION_SCAN` unread messages, those from others
    /// that mention the caller (`names::mentions`): the room list's badge.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub mentions: u32,
}

fn is_zero_u32(count: &u32) -> bool {
    *count == 0
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Server-assigned ULID: the message's identity; de-duplicate by it.
    pub id: String,
    pub room: String,
    /// Position in the room, assigned by the store with the write: 1, 2, 3...
    /// with no gaps. Order by it; a gap (N+2 arriving after N) means
    /// "fetch `?after=` the cursor of N".
    #[serde(default)]
    pub seq: u64,
    pub sender: UserRef,
    /// Trimmed text; `""` for an image-only message.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// The model's mood of `text`; kept even when the author corrects it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Sentiment>,
    /// The mood the author chose for their own message, when they corrected
    /// the model; shown instead of `sentiment` (docs/protocol.md, "Moods").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_mood: Option<AuthorMood>,
    /// Milliseconds since the Unix epoch, UTC. For display only.
    pub created_at: i64,
    pub client_id: String,
    /// When the author last edited the text (the message shows "edited").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<i64>,
    /// When the author unsent it: the text, image and moods are gone from
    /// storage and the message shows as deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<i64>,
    /// The room's change number of this message's latest change (an edit,
    /// an unsend, a mood correction); 0 when it was never changed. A client
    /// keeps the copy with the highest one (docs/protocol.md, "Changes").
    #[serde(default, skip_serializing_if = "is_zero")]
    pub change: u64,
    /// Reactions, one entry per emoji that has at least one person, in the
    /// order of `limits::REACTION_EMOJI` (docs/protocol.md, "Reactions").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// The message this one replies to, as that message is now: a deleted
    /// original shows as deleted (docs/protocol.md, "Replies").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Quote>,
}

/// What a reply shows of the message it answers: who wrote it and the start
/// of its text, with what a reader needs to jump to it (`id`, `seq`). Made
/// by the server whenever a reply is read, from the original as it is then,
/// so an edit shows and an unsent original's text is not kept anywhere.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub id: String,
    #[serde(default)]
    pub seq: u64,
    pub sender: UserRef,
    /// At most `limits::QUOTE_MAX_CHARS` characters of the original's
    /// text; `""` for an image-only or deleted original.
    #[serde(default)]
    pub text: String,
    /// The original has an image.
    #[serde(default, skip_serializing_if = "is_false")]
    pub image: bool,
    /// The original was unsent.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
}

impl Quote {
    /// The quote of `original` as it is now.
    pub fn of(original: &Message) -> Quote {
        let deleted = original.deleted_at.is_some();
        Quote {
            id: original.id.clone(),
            seq: original.seq,
            sender: original.sender.clone(),
            text: if deleted { String::new() } else { excerpt(&original.text) },
            image: original.image.is_some() && !deleted,
            deleted,
        }
    }
}

/// The first `QUOTE_MAX_CHARS` characters of `text`, with an ellipsis when
/// there was more.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(crate::limits::QUOTE_MAX_CHARS) {
        Some((cut, _)) => [text[..cut].trim_end(), "…"].concat(),
        None => text.to_owned(),
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The people who reacted to a message with one emoji. The count is
/// `users.len()`; "did I react" is whether `users` holds my `sub`. Bounded:
/// at most `limits::REACTION_MAX_USERS` people per emoji.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    /// One of `limits::REACTION_EMOJI`.
    pub emoji: String,
    /// Who reacted, in the order they did.
    pub users: Vec<UserRef>,
}

fn is_zero(change: &u64) -> bool {
    *change == 0
}

impl Message {
    /// Whether `sub` reacted with `emoji`.
    pub fn reacted(&self, emoji: &str, sub: &str) -> bool {
        self.reactions.iter().any(|r| r.emoji == emoji && r.users.iter().any(|u| u.sub == sub))
    }

    /// The mood to show: the author's choice if any, else the model's label.
    pub fn shown_mood(&self) -> Option<&str> {
        match (&self.author_mood, &self.sentiment) {
            (Some(author), _) => Some(author.label.as_str()),
            (None, Some(model)) => Some(model.label.as_str()),
            (None, None) => None,
        }
    }
}

/// The three moods a message can have; lowercase strings on the wire,
/// the same labels the sentiment model gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mood {
    Positive,
    Neutral,
    Negative,
}

impl Mood {
    pub const ALL: [Mood; 3] = [Mood::Positive, Mood::Neutral, Mood::Negative];

    pub fn as_str(self) -> &'static str {
        match self {
            Mood::Positive => "positive",
            Mood::Neutral => "neutral",
            Mood::Negative => "negative",
        }
    }

    pub fn parse(label: &str) -> Option<Mood> {
        Mood::ALL.into_iter().find(|mood| mood.as_str() == label)
    }
}

/// A mood chosen by the author of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorMood {
    pub label: Mood,
    /// When the author chose it, milliseconds since the Unix epoch.
    pub set_at: i64,
}

/// The image of a message. `url` and `thumb_url` are signed, expiring GET
/// URLs (freshly signed whenever a message is read); `key` is stable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub key: String,
    pub url: String,
    pub w: Option<u32>,
    pub h: Option<u32>,
    /// A smaller rendition (at most `limits::THUMBNAIL_MAX_PX` on each side);
    /// absent from servers that make none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    /// The mood label (the sentiment crate defines the set).
    pub label: String,
    /// Confidence in 0..=1.
    pub score: f32,
    /// Who classified it, e.g. `server`, `client`, `comprehend`.
    pub source: String,
}

/// A room member with presence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub sub: String,
    pub name: String,
    /// Has a WebSocket connection joined to this room.
    pub online: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_summaries_carry_seqs_and_older_documents_still_read() {
        let json = r#"{"id":"01J","room":"lobby","seq":7,"sender":{"sub":"s","name":"n"},"text":"hi","created_at":1,"client_id":"c"}"#;
        let message: Message = serde_json::from_str(json).unwrap();
        assert_eq!(message.seq, 7);
        assert_eq!(serde_json::to_string(&message).unwrap(), json);
        // From a server before seqs: no `seq`, read as 0 (unknown).
        let old = r#"{"id":"01J","room":"lobby","sender":{"sub":"s","name":"n"},"text":"hi","created_at":1,"client_id":"c"}"#;
        assert_eq!(serde_json::from_str::<Message>(old).unwrap().seq, 0);

        let summary = r#"{"id":"lobby","name":"Lobby","kind":"public","member":true,"last_message":null,"unread":2,"peer":null}"#;
        let summary: RoomSummary = serde_json::from_str(summary).unwrap();
        assert_eq!((summary.unread, summary.last_read_seq), (2, 0));
        assert!(serde_json::to_string(&summary).unwrap().contains(r#""last_read_seq":0"#));
    }

    fn message(author_mood: Option<AuthorMood>) -> Message {
        Message {
            id: "01J".into(),
            room: "lobby".into(),
            seq: 1,
            sender: UserRef { sub: "s".into(), name: "n".into() },
            text: "hi".into(),
            image: None,
            sentiment: Some(Sentiment { label: "neutral".into(), score: 0.6, source: "local".into() }),
            author_mood,
            created_at: 1,
            client_id: "c".into(),
            ..Default::default()
        }
    }

    #[test]
    fn reactions_are_carried_only_when_there_are_some() {
        let plain = serde_json::to_string(&message(None)).unwrap();
        assert!(!plain.contains("reactions"), "{plain}");
        let ada = UserRef { sub: "a".into(), name: "Ada".into() };
        let reacted = Message {
            reactions: vec![Reaction { emoji: "👍".into(), users: vec![ada] }],
            change: 2,
            ..message(None)
        };
        let json = serde_json::to_string(&reacted).unwrap();
        assert!(json.contains(r#""reactions":[{"emoji":"👍","users":[{"sub":"a","name":"Ada"}]}]"#), "{json}");
        assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), reacted);
        assert!(reacted.reacted("👍", "a"));
        assert!(!reacted.reacted("👍", "b"));
        assert!(!reacted.reacted("🙏", "a"));
    }

    #[test]
    fn a_quote_shows_the_original_as_it_is_now() {
        let mut original = message(None);
        original.text = "x".repeat(crate::limits::QUOTE_MAX_CHARS + 10);
        let quote = Quote::of(&original);
        assert_eq!((quote.id.as_str(), quote.seq, quote.sender.name.as_str()), ("01J", 1, "n"));
        assert_eq!(quote.text.chars().count(), crate::limits::QUOTE_MAX_CHARS + 1, "cut, with an ellipsis");
        assert!(quote.text.ends_with('…'));
        let short = Quote::of(&message(None));
        assert_eq!(short.text, "hi");
        let json = serde_json::to_string(&short).unwrap();
        assert_eq!(json, r#"{"id":"01J","seq":1,"sender":{"sub":"s","name":"n"},"text":"hi"}"#);
        assert_eq!(serde_json::from_str::<Quote>(&json).unwrap(), short);

        let unsent = Message { text: String::new(), deleted_at: Some(5), ..message(None) };
        let quote = Quote::of(&unsent);
        assert!(quote.deleted && quote.text.is_empty() && !quote.image);
        assert!(serde_json::to_string(&quote).unwrap().contains(r#""deleted":true"#));

        // Korean is cut by characters, never inside one.
        let korean = Message { text: "회".repeat(200), ..message(None) };
        assert!(Quote::of(&korean).text.starts_with("회회"));
    }

    #[test]
    fn a_reply_carries_its_quote_and_others_do_not() {
        assert!(!serde_json::to_string(&message(None)).unwrap().contains("reply_to"));
        let reply = Message { reply_to: Some(Quote::of(&message(None))), ..message(None) };
        let json = serde_json::to_string(&reply).unwrap();
        assert!(json.contains(r#""reply_to":{"id":"01J""#), "{json}");
        assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), reply);
    }

    #[test]
    fn edits_and_unsends_are_carried_only_when_they_happened() {
        let plain = serde_json::to_string(&message(None)).unwrap();
        for absent in ["edited_at", "deleted_at", "change"] {
            assert!(!plain.contains(absent), "{plain}");
        }
        let edited = Message { edited_at: Some(9), change: 3, ..message(None) };
        let json = serde_json::to_string(&edited).unwrap();
        assert!(json.ends_with(r#""client_id":"c","edited_at":9,"change":3}"#), "{json}");
        assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), edited);
        let deleted = Message { deleted_at: Some(10), change: 4, ..message(None) };
        assert_eq!(serde_json::from_str::<Message>(&serde_json::to_string(&deleted).unwrap()).unwrap(), deleted);
    }

    #[test]
    fn the_authors_mood_is_shown_and_the_models_is_kept() {
        let corrected = message(Some(AuthorMood { label: Mood::Positive, set_at: 2 }));
        assert_eq!(corrected.shown_mood(), Some("positive"));
        let json = serde_json::to_string(&corrected).unwrap();
        assert!(json.contains(r#""sentiment":{"label":"neutral""#), "{json}");
        assert!(json.contains(r#""author_mood":{"label":"positive","set_at":2}"#), "{json}");
        assert_eq!(message(None).shown_mood(), Some("neutral"));
        assert!(!serde_json::to_string(&message(None)).unwrap().contains("author_mood"));
    }

    #[test]
    fn only_the_three_moods_parse() {
        assert_eq!(serde_json::from_str::<Mood>(r#""negative""#).unwrap(), Mood::Negative);
        assert!(serde_json::from_str::<Mood>(r#""ecstatic""#).is_err());
        assert!(serde_json::from_str::<Mood>(r#""Positive""#).is_err());
        assert_eq!(Mood::parse("neutral"), Some(Mood::Neutral));
        assert_eq!(Mood::parse(""), None);
    }
}
