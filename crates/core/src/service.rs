//! ChatService: every chat operation, independent of transport and storage.
//! REST handlers, the WebSocket loop (and later the Lambdas) are thin
//! adapters over these methods.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use moodchat_protocol::limits::{LOBBY_ROOM_ID, MENTION_SCAN};
use moodchat_protocol::names::mentions;
use moodchat_protocol::{Member, Message, Room, RoomKind, RoomSummary, ServerEvent, UserRef};

use crate::cursor::Position;
use crate::error::{bad_request, forbidden, not_found, ChatResult};
use crate::ids::{is_ulid, UlidGenerator};
use crate::images::ImagePorts;
use crate::commit::Committer;
pub use crate::commit::Sent;
use crate::fanout::Fanout;
use crate::ports::{
    Clock, ConnectionRegistry, HistorySlice, IdGenerator, Identity, MessageStore, NoSentiment, Pusher, SentimentProvider,
    SystemClock, TaskSpawner,
};
use crate::rate_limit::{Limited, LocalRateLimiter, RateLimiter, Throttled};
use crate::search::SearchIndex;
use crate::validate;

mod edits;
mod history;
mod images;
mod live;
mod membership;
mod moods;
mod reactions;
mod replies;
mod room_mood;
mod search;

/// A message to send, as it arrives over REST or WebSocket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendRequest {
    pub client_id: String,
    pub text: Option<String>,
    pub image_key: Option<String>,
    /// The id of the message of the same room this one replies to.
    pub reply_to: Option<String>,
}

/// What a connection learns when it joins a room.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveJoin {
    pub room: Room,
    pub online: Vec<UserRef>,
}

/// Typing indicators are advisory; one per user and room every this often.
const TYPING_INTERVAL_MS: i64 = 2_000;
const DEFAULT_USER_SEARCH_LIMIT: u32 = 20;
const MAX_USER_SEARCH_LIMIT: u32 = 50;

pub struct ChatService {
    store: Arc<dyn MessageStore>,
    /// Publishing, presence and the cleanup of gone connections.
    fanout: Fanout,
    sentiment: Arc<dyn SentimentProvider>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    /// Upload tickets, stored image lookups and signed URLs; without them
    /// messages cannot carry images.
    images: Option<ImagePorts>,
    /// Frames per connection, sends and quotas per user.
    limiter: Arc<dyn RateLimiter>,
    /// Finding messages by words; a home without an index has none.
    search: Option<Arc<dyn SearchIndex>>,
    /// Assigns ids, appends (the store assigns seqs) and publishes in seq
    /// order within this process; a joining connection merges backfill and
    /// live events by seq (docs/protocol.md, "Delivery guarantees").
    committer: Committer,
    /// Runs other writes no request may interrupt (a mood correction and
    /// its announcement).
    spawner: Arc<dyn TaskSpawner>,
    /// Users already recorded with this (username, name), to skip the write.
    known_users: Mutex<HashMap<String, (String, String)>>,
    last_typing: Mutex<HashMap<(String, String), i64>>,
    /// Rooms never change or disappear, so they are cached after the first
    /// lookup, and so are memberships found (with when they were): a send
    /// then costs one store round trip (the append) instead of three. A
    /// member who leaves is forgotten here at once (`leave_room`); another
    /// process (another Lambda instance) looks again once its entry is
    /// `MEMBERSHIP_CACHE_MS` old.
    rooms: Mutex<HashMap<String, Room>>,
    memberships: Mutex<HashMap<(String, String), i64>>,
}

pub struct ChatServiceBuilder {
    store: Arc<dyn MessageStore>,
    registry: Arc<dyn ConnectionRegistry>,
    pusher: Arc<dyn Pusher>,
    spawner: Arc<dyn TaskSpawner>,
    sentiment: Arc<dyn SentimentProvider>,
    clock: Arc<dyn Clock>,
    ids: Option<Arc<dyn IdGenerator>>,
    images: Option<ImagePorts>,
    limiter: Option<Arc<dyn RateLimiter>>,
    search: Option<Arc<dyn SearchIndex>>,
}

impl ChatServiceBuilder {
    pub fn sentiment(mut self, sentiment: Arc<dyn SentimentProvider>) -> Self {
        self.sentiment = sentiment;
        self
    }

    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn ids(mut self, ids: Arc<dyn IdGenerator>) -> Self {
        self.ids = Some(ids);
        self
    }

    pub fn images(mut self, images: ImagePorts) -> Self {
        self.images = Some(images);
        self
    }

    /// Where the rate limits are counted; without it, in this process with
    /// the default rates (`LocalRateLimiter::default`).
    pub fn rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    pub fn search(mut self, index: Arc<dyn SearchIndex>) -> Self {
        self.search = Some(index);
        self
    }

    pub fn build(self) -> ChatService {
        let clock = self.clock;
        let ids = self.ids.unwrap_or_else(|| Arc::new(UlidGenerator::new(ArcClock(clock.clone()))));
        let fanout = Fanout::new(self.registry, self.pusher, clock.clone());
        let committer = Committer::new(self.store.clone(), fanout.clone(), clock.clone(), ids.clone(), self.spawner.clone());
        ChatService {
            spawner: self.spawner,
            store: self.store,
            fanout,
            sentiment: self.sentiment,
            clock,
            ids,
            images: self.images,
            limiter: self.limiter.unwrap_or_else(|| Arc::new(LocalRateLimiter::default())),
            search: self.search,
            committer,
            known_users: Mutex::new(HashMap::new()),
            last_typing: Mutex::new(HashMap::new()),
            rooms: Mutex::new(HashMap::new()),
            memberships: Mutex::new(HashMap::new()),
        }
    }
}

struct ArcClock(Arc<dyn Clock>);

impl Clock for ArcClock {
    fn now_ms(&self) -> i64 {
        self.0.now_ms()
    }
}

impl ChatService {
    /// `spawner` runs the commits, which no request may interrupt
    /// (`crate::commit`).
    pub fn builder(
        store: Arc<dyn MessageStore>,
        registry: Arc<dyn ConnectionRegistry>,
        pusher: Arc<dyn Pusher>,
        spawner: Arc<dyn TaskSpawner>,
    ) -> ChatServiceBuilder {
        ChatServiceBuilder {
            store,
            registry,
            pusher,
            spawner,
            sentiment: Arc::new(NoSentiment),
            clock: Arc::new(SystemClock),
            ids: None,
            images: None,
            limiter: None,
            search: None,
        }
    }

    /// Charges one to `key`'s budget of `limit` (a connection id for
    /// frames, a user's `sub` for the rest).
    pub async fn charge(&self, limit: Limited, key: &str) -> Result<(), Throttled> {
        self.limiter.take(limit, key).await
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// A fresh, globally unique `client_id` for sends that came without one
    /// (the wscat compatibility frame).
    pub fn new_client_id(&self) -> String {
        format!("srv-{}", self.ids.next_id())
    }

    /// Records the caller as a chat user (and lobby member). Cheap when
    /// nothing changed: call it on every authenticated request.
    pub async fn register(&self, who: &Identity) -> ChatResult<()> {
        let current = (who.username.clone(), who.name.clone());
        if self.lock_known_users().get(&who.sub) == Some(&current) {
            return Ok(());
        }
        let now = self.clock.now_ms();
        self.store.upsert_user(who, now).await?;
        // Everyone is in the lobby.
        self.store.add_member(LOBBY_ROOM_ID, &who.sub, now).await?;
        self.lock_known_users().insert(who.sub.clone(), current);
        Ok(())
    }

    pub async fn list_rooms(&self, who: &Identity, discover: bool) -> ChatResult<Vec<RoomSummary>> {
        let listings = self.store.room_listings(&who.sub, discover).await?;
        let mut summaries = crate::room_list::summaries(listings);
        let me = who.user_ref();
        for summary in &mut summaries {
            if let Some(message) = summary.last_message.as_mut() {
                self.present(message).await?;
            }
            if summary.member && summary.unread > 0 {
                summary.mentions = self.unread_mentions(&summary.room.id, summary.last_read_seq, &me).await?;
            }
        }
        Ok(summaries)
    }

    /// Of the first `MENTION_SCAN` unread messages of a room, those from
    /// others that mention `me` and were not unsent: one read of the store
    /// per room with unread messages, the same in both homes.
    async fn unread_mentions(&self, room_id: &str, last_read_seq: u64, me: &UserRef) -> ChatResult<u32> {
        let unread = self.store.history(room_id, &HistorySlice::After(last_read_seq), MENTION_SCAN).await?;
        let mentioning = unread
            .iter()
            .filter(|m| m.sender.sub != me.sub && m.deleted_at.is_none() && mentions(&m.text, &me.name))
            .count();
        Ok(mentioning as u32)
    }

    pub async fn create_room(&self, who: &Identity, name: &str) -> ChatResult<Room> {
        let room = Room { id: self.ids.next_id().to_ascii_lowercase(), name: validate::room_name(name)?, kind: RoomKind::Public };
        self.store.create_room(&room, &who.sub, self.clock.now_ms()).await?;
        Ok(room)
    }

    /// Membership of a public room (REST `join`); a no-op for a direct room
    /// the caller is already in.
    pub async fn join_room(&self, who: &Identity, room_id: &str) -> ChatResult<Room> {
        let room = self.readable_room(who, room_id).await?;
        if room.kind == RoomKind::Public {
            self.store.add_member(&room.id, &who.sub, self.clock.now_ms()).await?;
        }
        Ok(room)
    }

    /// The one direct conversation between the caller and `user` (a sub or
    /// a username), created on first use.
    pub async fn open_direct(&self, who: &Identity, user: &str) -> ChatResult<Room> {
        let peer = self.store.find_user(user.trim()).await?.ok_or_else(|| not_found(format!("no user {user:?}")))?;
        if peer.sub == who.sub {
            return Err(bad_request("a direct conversation needs another user"));
        }
        let (first, second) = if who.sub < peer.sub { (&who.sub, &peer.sub) } else { (&peer.sub, &who.sub) };
        let direct_key = format!("{first}\n{second}");
        let candidate = Room { id: format!("dm_{}", self.ids.next_id().to_ascii_lowercase()), name: String::new(), kind: RoomKind::Direct };
        let mut room = self
            .store
            .find_or_create_direct(&direct_key, &candidate, [first, second], self.clock.now_ms())
            .await?;
        // Created just now (the store kept our fresh candidate id): make it
        // live on both people's open tabs before anyone can write in it, so
        // the peer's first sight of it is not a reload away.
        if room.id == candidate.id {
            for member in [first, second] {
                self.fanout.registry().subscribe_user(member, &room.id).await?;
                self.fanout.publish_to_user(member, ServerEvent::RoomAdded { room: room.id.clone() }).await;
            }
            self.fanout.presence(&room.id).await;
        }
        room.name = peer.name;
        Ok(room)
    }

    pub async fn send(&self, who: &Identity, room_id: &str, request: SendRequest) -> ChatResult<Sent> {
        let client_id = validate::client_id(&request.client_id)?;
        let (text, image_key) = validate::message_body(request.text.as_deref(), request.image_key.as_deref())?;
        let room = self.writable_room(who, room_id).await?;
        let image = match image_key {
            Some(key) => Some(self.attachable_image(who, &room, &key).await?),
            None => None,
        };
        let reply_to = match request.reply_to.as_deref() {
            Some(original) => Some(self.quote_for_reply(&room, original).await?),
            None => None,
        };
        let sentiment = if text.is_empty() { None } else { self.sentiment.classify(&text).await };

        let draft = Message {
            id: String::new(),
            room: room.id.clone(),
            sender: who.user_ref(),
            text,
            image,
            sentiment,
            author_mood: None,
            edited_at: None,
            deleted_at: None,
            change: 0,
            reactions: Vec::new(),
            reply_to,
            created_at: 0,
            client_id,
            // Assigned by the store with the write.
            seq: 0,
        };
        let mut sent = self.committer.commit(draft).await?;
        if !sent.created {
            // A retry answers with the original message, as it now is.
            self.present(&mut sent.message).await?;
        }
        Ok(sent)
    }

    pub async fn mark_read(&self, who: &Identity, room_id: &str, message_id: &str) -> ChatResult<()> {
        if !is_ulid(message_id) {
            return Err(bad_request("`message_id` must be a message id"));
        }
        let message_id = message_id.to_ascii_uppercase();
        let room = self.writable_room(who, room_id).await?;
        let seq = self.seq_of(&room.id, Position::Id(message_id.clone())).await?;
        if self.store.mark_read(&room.id, &who.sub, seq).await? {
            let event = ServerEvent::Read { room: room.id.clone(), user: who.user_ref(), message_id, seq };
            self.fanout.publish(&room.id, event, None).await;
        }
        Ok(())
    }

    pub async fn members(&self, who: &Identity, room_id: &str) -> ChatResult<Vec<Member>> {
        self.readable_room(who, room_id).await?;
        let online = self.fanout.online(room_id).await?;
        let members = self.store.members(room_id).await?;
        let mut members: Vec<Member> = members
            .into_iter()
            .map(|user| Member { online: online.iter().any(|o| o.sub == user.sub), sub: user.sub, name: user.name })
            .collect();
        // Online first, then by name (stable: the store's order among equals).
        members.sort_by(|a, b| b.online.cmp(&a.online).then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase())));
        Ok(members)
    }

    pub async fn search_users(&self, who: &Identity, query: &str, limit: Option<u32>) -> ChatResult<Vec<UserRef>> {
        let limit = limit.unwrap_or(DEFAULT_USER_SEARCH_LIMIT).clamp(1, MAX_USER_SEARCH_LIMIT);
        self.store.search_users(query.trim(), &who.sub, limit).await
    }

    /// A room the caller may read: any public room, or a direct room they
    /// are in. Unknown rooms are `not_found`.
    async fn readable_room(&self, who: &Identity, room_id: &str) -> ChatResult<Room> {
        let room = self.room(room_id).await?;
        if room.kind == RoomKind::Direct && !self.is_member(&room.id, &who.sub).await? {
            return Err(forbidden("this is someone else's direct conversation"));
        }
        Ok(room)
    }

    async fn room(&self, room_id: &str) -> ChatResult<Room> {
        if let Some(room) = lock(&self.rooms).get(room_id) {
            return Ok(room.clone());
        }
        let room = self.store.room(room_id).await?.ok_or_else(|| not_found(format!("no room {room_id:?}")))?;
        let mut rooms = lock(&self.rooms);
        if rooms.len() >= CACHE_LIMIT {
            rooms.clear();
        }
        rooms.insert(room.id.clone(), room.clone());
        Ok(room)
    }

    async fn is_member(&self, room_id: &str, sub: &str) -> ChatResult<bool> {
        let key = (room_id.to_string(), sub.to_string());
        let now = self.clock.now_ms();
        if lock(&self.memberships).get(&key).is_some_and(|found_at| now - found_at < MEMBERSHIP_CACHE_MS) {
            return Ok(true);
        }
        let member = self.store.is_member(room_id, sub).await?;
        let mut memberships = lock(&self.memberships);
        if member {
            if memberships.len() >= CACHE_LIMIT {
                memberships.clear();
            }
            memberships.insert(key, now);
        } else {
            memberships.remove(&key);
        }
        Ok(member)
    }

    /// A room the caller may write to: they must be a member (everyone is in
    /// the lobby).
    async fn writable_room(&self, who: &Identity, room_id: &str) -> ChatResult<Room> {
        let room = self.readable_room(who, room_id).await?;
        if room.id != LOBBY_ROOM_ID && room.kind == RoomKind::Public && !self.is_member(&room.id, &who.sub).await? {
            return Err(forbidden("join the room first"));
        }
        Ok(room)
    }

    fn lock_known_users(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, String)>> {
        self.known_users.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Entries kept in each lookup cache before it is emptied and refilled.
const CACHE_LIMIT: usize = 100_000;

/// How long a membership found is trusted without asking the store: the
/// longest another process goes on taking someone who left for a member.
pub const MEMBERSHIP_CACHE_MS: i64 = 60_000;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
