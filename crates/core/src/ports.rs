//! The ports ChatService needs from the outside world. The embedded server
//! implements them with SQLite and an in-process hub; the AWS deployment with
//! DynamoDB and API Gateway's management API.

use async_trait::async_trait;
use moodchat_protocol::{ApiError, AuthorMood, Message, Mood, Room, Sentiment, ServerEvent, UserRef};

/// Who made a request, from a verified id token (never from the request body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub sub: String,
    pub username: String,
    /// Display name: the `name` claim, else the username.
    pub name: String,
    pub email: Option<String>,
}

impl Identity {
    pub fn user_ref(&self) -> UserRef {
        UserRef { sub: self.sub.clone(), name: self.name.clone() }
    }
}

/// A verified id token, with what a connection that outlives its request
/// (a WebSocket) needs: when to close, and which sign-in it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    pub identity: Identity,
    /// The token's `exp`, in milliseconds since the Unix epoch.
    pub expires_at_ms: Option<i64>,
    /// The sign-in session (Cognito's `origin_jti` claim), which a sign-out
    /// or a revoked refresh token ends.
    pub session: Option<String>,
}

/// Verifies an id token exactly as API Gateway's Cognito authorizer would.
/// Any failure is `unauthorized`.
#[async_trait]
pub trait TokenVerifier: Send + Sync {
    async fn verify_token(&self, token: &str) -> Result<VerifiedToken, ApiError>;

    async fn verify(&self, token: &str) -> Result<Identity, ApiError> {
        Ok(self.verify_token(token).await?.identity)
    }
}

pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        since_epoch.as_millis() as i64
    }
}

/// Runs work on its own, to completion, whatever happens to the request that
/// started it (the embedded server: `tokio::spawn`).
pub trait TaskSpawner: Send + Sync {
    fn spawn(&self, task: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'static>>);
}

pub trait IdGenerator: Send + Sync {
    /// A new message id, greater than every id this generator made before.
    fn next_id(&self) -> String;
}

/// Classifies message text; `None` when it has no opinion (or is disabled).
#[async_trait]
pub trait SentimentProvider: Send + Sync {
    async fn classify(&self, text: &str) -> Option<Sentiment>;
}

/// The provider used until the sentiment model is wired in.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSentiment;

#[async_trait]
impl SentimentProvider for NoSentiment {
    async fn classify(&self, _text: &str) -> Option<Sentiment> {
        None
    }
}

/// Which slice of a room's history to read, by seq (`Message::seq`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistorySlice {
    /// The newest messages, newest first.
    Latest,
    /// Messages with seq < the given one, newest first.
    Before(u64),
    /// Messages with seq > the given one, oldest first.
    After(u64),
}

/// Result of an idempotent append.
#[derive(Clone, Debug, PartialEq)]
pub enum Appended {
    /// Committed with the room's next seq; this is the new message.
    New(Message),
    /// A message with the same (room, sender, client_id) already existed.
    Existing(Message),
}

/// A room as the store keeps it for room lists: the projection that
/// `append` updates in the same transaction as the message.
#[derive(Clone, Debug, PartialEq)]
pub struct RoomHead {
    pub room: Room,
    /// The seq of the newest message (0: none yet).
    pub seq: u64,
    pub last_message: Option<Message>,
}

/// One row of a user's room list, as stored: the room's head, and what the
/// user's membership carries. `ChatService` turns it into a `RoomSummary`
/// (unread count, direct-room name, order).
#[derive(Clone, Debug, PartialEq)]
pub struct RoomListing {
    pub head: RoomHead,
    /// None: a public room the user is not in (`discover`).
    pub last_read_seq: Option<u64>,
    /// For a direct room: the other member.
    pub peer: Option<UserRef>,
    /// The user muted the room (`set_muted`); false when not a member.
    pub muted: bool,
}

/// A change to a message that exists (docs/protocol.md, "Changes"). Each
/// one gets the room's next change number, atomically with the write.
#[derive(Clone, Debug, PartialEq)]
pub enum MessageChange {
    /// New text and the model's mood of it; the author's mood correction,
    /// which was about the old text, is dropped.
    Edit { text: String, sentiment: Option<Sentiment>, at: i64 },
    /// The text, the image and both moods are removed from the stored
    /// message; what stays is who sent it, when, and where.
    Unsend { at: i64 },
    /// The author's mood set (`Some`) or cleared (`None`); the model's kept.
    AuthorMood(Option<AuthorMood>),
    /// `user` adds (`on`) or removes their reaction `emoji` (one of
    /// `limits::REACTION_EMOJI`, checked before). Adding one already there,
    /// removing one that is not, or adding past `REACTION_MAX_USERS` leaves
    /// the reactions as they were.
    React { emoji: String, user: UserRef, on: bool },
}

impl MessageChange {
    /// The message after this change (its `change` number aside, which the
    /// store assigns): the one rule every store applies.
    pub fn apply(&self, message: &mut Message) {
        match self {
            MessageChange::Edit { text, sentiment, at } => {
                message.text = text.clone();
                message.sentiment = sentiment.clone();
                message.author_mood = None;
                message.edited_at = Some(*at);
            }
            MessageChange::Unsend { at } => {
                message.text.clear();
                message.image = None;
                message.sentiment = None;
                message.author_mood = None;
                message.edited_at = None;
                message.deleted_at = Some(*at);
                message.reactions.clear();
            }
            MessageChange::AuthorMood(mood) => message.author_mood = *mood,
            MessageChange::React { emoji, user, on } => react(message, emoji, user, *on),
        }
    }
}

/// The reactions after `user` set `emoji` on or off: one entry per emoji
/// with people, in `REACTION_EMOJI` order, each person once.
fn react(message: &mut Message, emoji: &str, user: &UserRef, on: bool) {
    use moodchat_protocol::limits::{reaction_index, REACTION_MAX_USERS};
    use moodchat_protocol::Reaction;
    let reactions = &mut message.reactions;
    match reactions.iter().position(|r| r.emoji == emoji) {
        Some(at) if on => {
            let users = &mut reactions[at].users;
            if users.len() < REACTION_MAX_USERS && !users.iter().any(|u| u.sub == user.sub) {
                users.push(user.clone());
            }
        }
        Some(at) => {
            reactions[at].users.retain(|u| u.sub != user.sub);
            if reactions[at].users.is_empty() {
                reactions.remove(at);
            }
        }
        None if on => {
            reactions.push(Reaction { emoji: emoji.to_string(), users: vec![user.clone()] });
            reactions.sort_by_key(|r| reaction_index(&r.emoji).unwrap_or(usize::MAX));
        }
        None => {}
    }
}

/// What `MessageStore::change_message` did.
#[derive(Clone, Debug, PartialEq)]
pub enum Changed {
    /// Applied: the message as it now is, with its new `change` number.
    Applied(Message),
    /// The room has no message with that id.
    Missing,
    /// The message was unsent before: nothing changed (this is its stored,
    /// emptied form).
    AlreadyUnsent(Message),
}

/// Durable chat state. Every method is one atomic operation; `append` returns
/// only after the message is durable (it is acked right after).
///
/// Seq: `append` gives each new message its room's next seq (1, 2, 3...)
/// atomically with the write, whatever process or connection writes. If a
/// reader can see seq N, it can see every seq below N in that room.
#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Records (or refreshes) a user.
    async fn upsert_user(&self, user: &Identity, now_ms: i64) -> Result<(), ApiError>;
    async fn find_user(&self, sub_or_username: &str) -> Result<Option<UserRef>, ApiError>;
    /// Users whose username or name starts with `prefix` (case-insensitive).
    async fn search_users(&self, prefix: &str, exclude_sub: &str, limit: u32) -> Result<Vec<UserRef>, ApiError>;

    async fn create_room(&self, room: &Room, creator: &str, now_ms: i64) -> Result<(), ApiError>;
    async fn room(&self, room_id: &str) -> Result<Option<Room>, ApiError>;
    /// The direct room for `direct_key`, creating `candidate` with both
    /// members if there is none yet. Atomic: one room per pair, ever.
    async fn find_or_create_direct(
        &self,
        direct_key: &str,
        candidate: &Room,
        members: [&str; 2],
        now_ms: i64,
    ) -> Result<Room, ApiError>;
    /// Adds a member, whose read marker starts at the room's current seq (a
    /// new member has read everything before). A no-op for a member.
    async fn add_member(&self, room_id: &str, sub: &str, now_ms: i64) -> Result<(), ApiError>;
    /// Removes `sub`'s membership (their read marker with it); false when
    /// they were not a member. Nothing else changes: the room, its messages
    /// and the other members stay.
    async fn remove_member(&self, room_id: &str, sub: &str) -> Result<bool, ApiError>;
    async fn is_member(&self, room_id: &str, sub: &str) -> Result<bool, ApiError>;
    /// Mutes or unmutes the room for member `sub`; false when `sub` is not
    /// a member. Leaving forgets it (a room joined again starts unmuted).
    async fn set_muted(&self, room_id: &str, sub: &str, muted: bool) -> Result<bool, ApiError>;
    async fn members(&self, room_id: &str) -> Result<Vec<UserRef>, ApiError>;
    /// The rooms `sub` belongs to (and, with `discover`, public rooms it does
    /// not), each with its head, `sub`'s read marker and the peer of a direct
    /// room: the user's memberships and one batched read of their rooms, no
    /// per-room queries. In no particular order.
    async fn room_listings(&self, sub: &str, discover: bool) -> Result<Vec<RoomListing>, ApiError>;

    /// Appends with the room's next seq (the `seq` of `message` is ignored),
    /// updates the room's head, and moves the sender's read marker to it.
    async fn append(&self, message: &Message) -> Result<Appended, ApiError>;
    /// Appends several messages atomically, in order (group commit). The
    /// outcomes are in the same order as `messages`.
    async fn append_batch(&self, messages: &[Message]) -> Result<Vec<Appended>, ApiError> {
        let mut outcomes = Vec::with_capacity(messages.len());
        for message in messages {
            outcomes.push(self.append(message).await?);
        }
        Ok(outcomes)
    }
    async fn history(&self, room_id: &str, slice: &HistorySlice, limit: u32) -> Result<Vec<Message>, ApiError>;
    /// Moves `sub`'s read marker in the room forward to `seq`. Returns false
    /// when it was already at or past it (or `sub` is not a member).
    async fn mark_read(&self, room_id: &str, sub: &str, seq: u64) -> Result<bool, ApiError>;
    /// The seq of a message of the room, if there is one with this id.
    async fn message_seq(&self, room_id: &str, message_id: &str) -> Result<Option<u64>, ApiError>;
    /// One message of a room, `None` when the room has no message with that id.
    async fn message(&self, room_id: &str, message_id: &str) -> Result<Option<Message>, ApiError>;
    /// Applies a change to a message of the room, giving it the room's next
    /// change number (1, 2, 3... per room, apart from seqs) in the same
    /// atomic write, so that a reader that sees change N sees every change
    /// below N. An unsent message takes no change at all. Never touches the
    /// room's seq, its head's position or anyone's read marker: a change is
    /// never unread.
    async fn change_message(&self, room_id: &str, message_id: &str, change: &MessageChange) -> Result<Changed, ApiError>;
    /// Messages of the room whose latest change is numbered above `after`,
    /// in change order, each once, as they now are: what a client that is up
    /// to date with change `after` must replace. An indexed read (never a
    /// scan of the room).
    async fn changed_since(&self, room_id: &str, after: u64, limit: u32) -> Result<Vec<Message>, ApiError>;
    /// The room's latest change number (0: nothing ever changed).
    async fn change_number(&self, room_id: &str) -> Result<u64, ApiError>;
    /// Sets (`Some`) or clears (`None`) the author's mood of a message, as a
    /// numbered change. False when the room has no such message or it was
    /// unsent.
    async fn set_author_mood(&self, room_id: &str, message_id: &str, mood: Option<AuthorMood>) -> Result<bool, ApiError> {
        let changed = self.change_message(room_id, message_id, &MessageChange::AuthorMood(mood)).await?;
        Ok(matches!(changed, Changed::Applied(_)))
    }
    /// Messages of every room that carry an author's mood, with id > `after`
    /// (all of them when `None`), oldest first: the labelled data export.
    async fn author_moods(&self, after: Option<&str>, limit: u32) -> Result<Vec<Message>, ApiError>;

    /// How many of the room's messages created at or after `since_ms` show
    /// each mood (`Message::shown_mood`: the author's, else the model's),
    /// per day, where a message's day is `(created_at + offset_ms)` divided
    /// by `DAY_MS`, rounded down. Messages without a mood are not counted.
    /// In no particular order, one entry per (day, mood) present.
    ///
    /// This default reads history pages, newest first, until it passes
    /// `since_ms`; a store that can count where the data is (SQLite's
    /// GROUP BY) overrides it.
    async fn mood_counts(&self, room_id: &str, since_ms: i64, offset_ms: i64) -> Result<Vec<MoodCount>, ApiError> {
        let mut counts: Vec<MoodCount> = Vec::new();
        let mut slice = HistorySlice::Latest;
        loop {
            let page = self.history(room_id, &slice, 500).await?;
            let Some(oldest) = page.last() else { break };
            slice = HistorySlice::Before(oldest.seq);
            let mut passed = false;
            for message in &page {
                if message.created_at < since_ms {
                    passed = true;
                    continue;
                }
                let Some(mood) = message.shown_mood().and_then(Mood::parse) else { continue };
                let day = (message.created_at + offset_ms).div_euclid(DAY_MS);
                match counts.iter_mut().find(|c| c.day == day && c.mood == mood) {
                    Some(count) => count.count += 1,
                    None => counts.push(MoodCount { day, mood, count: 1 }),
                }
            }
            if passed {
                break;
            }
        }
        Ok(counts)
    }
}

/// A day, in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// How many messages of a day showed a mood (`MessageStore::mood_counts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoodCount {
    /// Days since 1970-01-01 in the caller's time zone.
    pub day: i64,
    pub mood: Mood,
    pub count: u32,
}

/// A live connection's id (API Gateway's connectionId, or the embedded hub's).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub String);

/// The connections a push could not reach because they are gone (API
/// Gateway's 410 Gone, a closed socket). The core disconnects them.
pub type Undelivered = Vec<ConnectionId>;

/// Who is connected, as whom, and to which rooms. Every method is one
/// atomic operation on state that can outlive a process (a stateless handler
/// gets a connection's identity here, never from memory of the `$connect`).
///
/// Presence expires by itself: a `$disconnect` can be missed, so a
/// connection counts as online only while it was seen (connected or
/// touched) recently; `online` filters by that time, the core picks it.
#[async_trait]
pub trait ConnectionRegistry: Send + Sync {
    /// Records a connection of `identity`, seen at `now_ms`. Connecting an
    /// id again replaces its identity and keeps its subscriptions.
    async fn connect(&self, connection: &ConnectionId, identity: &Identity, now_ms: i64) -> Result<(), ApiError>;
    /// Who the connection belongs to; None once it is disconnected (or
    /// never was connected).
    async fn identity(&self, connection: &ConnectionId) -> Result<Option<Identity>, ApiError>;
    /// The connection is alive at `now_ms` (it sent a frame or a ping). A
    /// no-op for an unknown connection.
    async fn touch(&self, connection: &ConnectionId, now_ms: i64) -> Result<(), ApiError>;
    /// Subscribes the connection to the room's live events. From the moment
    /// this returns, every event published to the room reaches it. A no-op
    /// for an unknown connection.
    async fn subscribe(&self, connection: &ConnectionId, room_id: &str) -> Result<(), ApiError>;
    async fn unsubscribe(&self, connection: &ConnectionId, room_id: &str) -> Result<(), ApiError>;
    /// Subscribes every live connection of the user (`sub`) to the room: a
    /// room someone else just made for them is live on their open tabs
    /// before its first message can be sent.
    async fn subscribe_user(&self, sub: &str, room_id: &str) -> Result<(), ApiError>;
    /// Forgets the connection; returns the rooms it was subscribed to (none
    /// for a connection already forgotten).
    async fn disconnect(&self, connection: &ConnectionId) -> Result<Vec<String>, ApiError>;
    /// Users with at least one connection subscribed to the room and seen at
    /// or after `seen_since_ms`, each once, ordered by name then sub.
    async fn online(&self, room_id: &str, seen_since_ms: i64) -> Result<Vec<UserRef>, ApiError>;
}

/// Fan-out of events to connections. Delivery is attempted at once (a
/// `presence` event too; an adapter that holds connections itself may
/// coalesce bursts, as the embedded hub does); what could not be delivered
/// because the connection is gone is returned, not hidden.
#[async_trait]
pub trait Pusher: Send + Sync {
    /// Delivers to every connection subscribed to the room, except `skip`.
    async fn publish(&self, room_id: &str, event: ServerEvent, skip: Option<&ConnectionId>) -> Undelivered;
    /// Delivers to every live connection of the user (`sub`), whatever rooms
    /// they are subscribed to.
    async fn publish_to_user(&self, sub: &str, event: ServerEvent) -> Undelivered;
}
