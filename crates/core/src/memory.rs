//! In-memory adapters of every port: the reference behaviour the real
//! adapters must match, and the fixtures of the domain tests.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;
use moodchat_protocol::limits::LOBBY_ROOM_ID;
use moodchat_protocol::{ApiError, Message, Room, RoomKind, ServerEvent, UserRef};

mod changes;

use crate::ports::{
    Appended, Changed, ConnectionId, ConnectionRegistry, HistorySlice, Identity, MessageStore, Pusher, RoomHead, RoomListing,
    MessageChange, TaskSpawner, Undelivered,
};

#[derive(Default)]
struct StoreState {
    users: BTreeMap<String, Identity>,
    rooms: BTreeMap<String, Room>,
    direct_keys: HashMap<String, String>,
    /// room -> member -> their read marker (a seq).
    members: BTreeMap<String, BTreeMap<String, u64>>,
    /// (room, sub) of the members who muted the room.
    muted: BTreeSet<(String, String)>,
    /// room -> seq -> message; the room's seq is the last key.
    messages: HashMap<String, BTreeMap<u64, Message>>,
    /// (room, id) and (room, sender, client_id) -> seq.
    by_id: HashMap<(String, String), u64>,
    by_client_id: HashMap<(String, String, String), u64>,
    /// room -> its latest change number.
    changes: HashMap<String, u64>,
}

impl StoreState {
    fn head(&self, room: &Room) -> RoomHead {
        let last = self.messages.get(&room.id).and_then(|m| m.values().next_back());
        RoomHead { room: room.clone(), seq: last.map_or(0, |m| m.seq), last_message: last.cloned() }
    }

    fn room_seq(&self, room_id: &str) -> u64 {
        self.messages.get(room_id).and_then(|m| m.keys().next_back().copied()).unwrap_or(0)
    }

    fn add_member(&mut self, room_id: &str, sub: &str) {
        let seq = self.room_seq(room_id);
        self.members.entry(room_id.into()).or_default().entry(sub.into()).or_insert(seq);
    }

    /// Under the store's one lock: seqs are handed out one at a time.
    fn append(&mut self, message: &Message) -> Appended {
        let client_key = (message.room.clone(), message.sender.sub.clone(), message.client_id.clone());
        if let Some(seq) = self.by_client_id.get(&client_key) {
            return Appended::Existing(self.messages[&message.room][seq].clone());
        }
        let seq = self.room_seq(&message.room) + 1;
        let message = Message { seq, ..message.clone() };
        self.by_client_id.insert(client_key, seq);
        self.by_id.insert((message.room.clone(), message.id.clone()), seq);
        self.messages.entry(message.room.clone()).or_default().insert(seq, message.clone());
        if let Some(marker) = self.members.get_mut(&message.room).and_then(|m| m.get_mut(&message.sender.sub)) {
            *marker = (*marker).max(seq);
        }
        Appended::New(message)
    }
}

pub struct InMemoryStore {
    state: Mutex<StoreState>,
}

impl Default for InMemoryStore {
    fn default() -> Self {
        let mut state = StoreState::default();
        let lobby = Room { id: LOBBY_ROOM_ID.into(), name: "Lobby".into(), kind: RoomKind::Public };
        state.rooms.insert(lobby.id.clone(), lobby);
        Self { state: Mutex::new(state) }
    }
}

impl InMemoryStore {
    fn state(&self) -> std::sync::MutexGuard<'_, StoreState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn user_ref(identity: &Identity) -> UserRef {
    identity.user_ref()
}

#[async_trait]
impl MessageStore for InMemoryStore {
    async fn upsert_user(&self, user: &Identity, _now_ms: i64) -> Result<(), ApiError> {
        self.state().users.insert(user.sub.clone(), user.clone());
        Ok(())
    }

    async fn find_user(&self, sub_or_username: &str) -> Result<Option<UserRef>, ApiError> {
        let state = self.state();
        let by_sub = state.users.get(sub_or_username);
        let found = by_sub.or_else(|| state.users.values().find(|u| u.username.eq_ignore_ascii_case(sub_or_username)));
        Ok(found.map(user_ref))
    }

    async fn search_users(&self, prefix: &str, exclude_sub: &str, limit: u32) -> Result<Vec<UserRef>, ApiError> {
        let prefix = prefix.to_lowercase();
        let state = self.state();
        Ok(state
            .users
            .values()
            .filter(|u| u.sub != exclude_sub)
            .filter(|u| u.username.to_lowercase().starts_with(&prefix) || u.name.to_lowercase().starts_with(&prefix))
            .take(limit as usize)
            .map(user_ref)
            .collect())
    }

    async fn create_room(&self, room: &Room, creator: &str, _now_ms: i64) -> Result<(), ApiError> {
        let mut state = self.state();
        state.rooms.insert(room.id.clone(), room.clone());
        state.add_member(&room.id, creator);
        Ok(())
    }

    async fn room(&self, room_id: &str) -> Result<Option<Room>, ApiError> {
        Ok(self.state().rooms.get(room_id).cloned())
    }

    async fn find_or_create_direct(
        &self,
        direct_key: &str,
        candidate: &Room,
        members: [&str; 2],
        _now_ms: i64,
    ) -> Result<Room, ApiError> {
        let mut state = self.state();
        if let Some(id) = state.direct_keys.get(direct_key) {
            return Ok(state.rooms[id].clone());
        }
        state.direct_keys.insert(direct_key.into(), candidate.id.clone());
        state.rooms.insert(candidate.id.clone(), candidate.clone());
        for member in members {
            state.add_member(&candidate.id, member);
        }
        Ok(candidate.clone())
    }

    async fn add_member(&self, room_id: &str, sub: &str, _now_ms: i64) -> Result<(), ApiError> {
        self.state().add_member(room_id, sub);
        Ok(())
    }

    async fn remove_member(&self, room_id: &str, sub: &str) -> Result<bool, ApiError> {
        let mut state = self.state();
        state.muted.remove(&(room_id.to_owned(), sub.to_owned()));
        Ok(state.members.get_mut(room_id).is_some_and(|members| members.remove(sub).is_some()))
    }

    async fn is_member(&self, room_id: &str, sub: &str) -> Result<bool, ApiError> {
        Ok(self.state().members.get(room_id).is_some_and(|m| m.contains_key(sub)))
    }

    async fn set_muted(&self, room_id: &str, sub: &str, muted: bool) -> Result<bool, ApiError> {
        let mut state = self.state();
        if !state.members.get(room_id).is_some_and(|m| m.contains_key(sub)) {
            return Ok(false);
        }
        let key = (room_id.to_owned(), sub.to_owned());
        if muted {
            state.muted.insert(key);
        } else {
            state.muted.remove(&key);
        }
        Ok(true)
    }

    async fn members(&self, room_id: &str) -> Result<Vec<UserRef>, ApiError> {
        let state = self.state();
        let Some(subs) = state.members.get(room_id) else { return Ok(Vec::new()) };
        Ok(subs.keys().filter_map(|sub| state.users.get(sub)).map(user_ref).collect())
    }

    async fn room_listings(&self, sub: &str, discover: bool) -> Result<Vec<RoomListing>, ApiError> {
        let state = self.state();
        let mut listings = Vec::new();
        for room in state.rooms.values() {
            let members = state.members.get(&room.id);
            let last_read_seq = members.and_then(|m| m.get(sub)).copied();
            if last_read_seq.is_none() && !(discover && room.kind == RoomKind::Public) {
                continue;
            }
            let peer = match room.kind {
                RoomKind::Direct => members
                    .and_then(|m| m.keys().find(|s| s.as_str() != sub))
                    .and_then(|s| state.users.get(s))
                    .map(user_ref),
                RoomKind::Public => None,
            };
            let muted = state.muted.contains(&(room.id.clone(), sub.to_owned()));
            listings.push(RoomListing { head: state.head(room), last_read_seq, peer, muted });
        }
        Ok(listings)
    }

    async fn append(&self, message: &Message) -> Result<Appended, ApiError> {
        Ok(self.state().append(message))
    }

    async fn append_batch(&self, messages: &[Message]) -> Result<Vec<Appended>, ApiError> {
        let mut state = self.state();
        Ok(messages.iter().map(|message| state.append(message)).collect())
    }

    async fn history(&self, room_id: &str, slice: &HistorySlice, limit: u32) -> Result<Vec<Message>, ApiError> {
        let state = self.state();
        let Some(messages) = state.messages.get(room_id) else { return Ok(Vec::new()) };
        let limit = limit as usize;
        Ok(match *slice {
            HistorySlice::Latest => messages.values().rev().take(limit).cloned().collect(),
            HistorySlice::Before(seq) => messages.range(..seq).rev().take(limit).map(|(_, m)| m.clone()).collect(),
            HistorySlice::After(seq) => {
                messages.range(seq.saturating_add(1)..).take(limit).map(|(_, m)| m.clone()).collect()
            }
        })
    }

    async fn mark_read(&self, room_id: &str, sub: &str, seq: u64) -> Result<bool, ApiError> {
        let mut state = self.state();
        let Some(marker) = state.members.get_mut(room_id).and_then(|m| m.get_mut(sub)) else { return Ok(false) };
        if *marker >= seq {
            return Ok(false);
        }
        *marker = seq;
        Ok(true)
    }

    async fn message_seq(&self, room_id: &str, message_id: &str) -> Result<Option<u64>, ApiError> {
        Ok(self.state().by_id.get(&(room_id.to_string(), message_id.to_string())).copied())
    }

    async fn message(&self, room_id: &str, message_id: &str) -> Result<Option<Message>, ApiError> {
        let state = self.state();
        let seq = state.by_id.get(&(room_id.to_string(), message_id.to_string()));
        Ok(seq.and_then(|seq| state.messages.get(room_id)?.get(seq)).cloned())
    }

    async fn change_message(&self, room_id: &str, message_id: &str, change: &MessageChange) -> Result<Changed, ApiError> {
        Ok(self.state().change_message(room_id, message_id, change))
    }

    async fn changed_since(&self, room_id: &str, after: u64, limit: u32) -> Result<Vec<Message>, ApiError> {
        Ok(self.state().changed_since(room_id, after, limit))
    }

    async fn change_number(&self, room_id: &str) -> Result<u64, ApiError> {
        Ok(self.state().changes.get(room_id).copied().unwrap_or(0))
    }

    async fn author_moods(&self, after: Option<&str>, limit: u32) -> Result<Vec<Message>, ApiError> {
        let state = self.state();
        let mut labelled: Vec<Message> = state
            .messages
            .values()
            .flat_map(|room| room.values())
            .filter(|m| m.author_mood.is_some() && after.is_none_or(|after| m.id.as_str() > after))
            .cloned()
            .collect();
        labelled.sort_by(|a, b| a.id.cmp(&b.id));
        labelled.truncate(limit as usize);
        Ok(labelled)
    }
}

/// Registry and pusher in one: records what each connection would receive.
#[derive(Default)]
pub struct InMemoryHub {
    state: Mutex<HubState>,
}

#[derive(Default)]
struct HubState {
    /// Each connection's identity and when it was last seen.
    connections: HashMap<ConnectionId, (Identity, i64)>,
    rooms: HashMap<String, HashSet<ConnectionId>>,
    inbox: HashMap<ConnectionId, Vec<ServerEvent>>,
    /// Connections whose client went away without a `$disconnect`: pushes
    /// to them fail, as API Gateway's do with 410 Gone.
    gone: HashSet<ConnectionId>,
}

impl HubState {
    fn connections_of(&self, sub: &str) -> Vec<ConnectionId> {
        self.connections.iter().filter(|(_, (who, _))| who.sub == sub).map(|(id, _)| id.clone()).collect()
    }

    fn deliver(&mut self, targets: Vec<ConnectionId>, event: &ServerEvent) -> Undelivered {
        let mut undelivered = Vec::new();
        for target in targets {
            if self.gone.contains(&target) {
                undelivered.push(target);
            } else {
                self.inbox.entry(target).or_default().push(event.clone());
            }
        }
        undelivered
    }
}

impl InMemoryHub {
    fn state(&self) -> std::sync::MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Everything delivered to the connection so far, draining it.
    pub fn take_events(&self, connection: &ConnectionId) -> Vec<ServerEvent> {
        self.state().inbox.remove(connection).unwrap_or_default()
    }

    /// The connection's client vanished without a `$disconnect`.
    pub fn vanish(&self, connection: &ConnectionId) {
        self.state().gone.insert(connection.clone());
    }
}

#[async_trait]
impl ConnectionRegistry for InMemoryHub {
    async fn connect(&self, connection: &ConnectionId, identity: &Identity, now_ms: i64) -> Result<(), ApiError> {
        self.state().connections.insert(connection.clone(), (identity.clone(), now_ms));
        Ok(())
    }

    async fn identity(&self, connection: &ConnectionId) -> Result<Option<Identity>, ApiError> {
        Ok(self.state().connections.get(connection).map(|(who, _)| who.clone()))
    }

    async fn touch(&self, connection: &ConnectionId, now_ms: i64) -> Result<(), ApiError> {
        if let Some((_, seen)) = self.state().connections.get_mut(connection) {
            *seen = now_ms;
        }
        Ok(())
    }

    async fn subscribe(&self, connection: &ConnectionId, room_id: &str) -> Result<(), ApiError> {
        let mut state = self.state();
        if state.connections.contains_key(connection) {
            state.rooms.entry(room_id.into()).or_default().insert(connection.clone());
        }
        Ok(())
    }

    async fn unsubscribe(&self, connection: &ConnectionId, room_id: &str) -> Result<(), ApiError> {
        if let Some(room) = self.state().rooms.get_mut(room_id) {
            room.remove(connection);
        }
        Ok(())
    }

    async fn subscribe_user(&self, sub: &str, room_id: &str) -> Result<(), ApiError> {
        let mut state = self.state();
        let theirs = state.connections_of(sub);
        state.rooms.entry(room_id.into()).or_default().extend(theirs);
        Ok(())
    }

    async fn disconnect(&self, connection: &ConnectionId) -> Result<Vec<String>, ApiError> {
        let mut state = self.state();
        state.connections.remove(connection);
        state.gone.remove(connection);
        let mut left = Vec::new();
        for (room, connections) in state.rooms.iter_mut() {
            if connections.remove(connection) {
                left.push(room.clone());
            }
        }
        left.sort();
        Ok(left)
    }

    async fn online(&self, room_id: &str, seen_since_ms: i64) -> Result<Vec<UserRef>, ApiError> {
        let state = self.state();
        let mut users: Vec<UserRef> = state
            .rooms
            .get(room_id)
            .into_iter()
            .flatten()
            .filter_map(|c| state.connections.get(c))
            .filter(|(_, seen)| *seen >= seen_since_ms)
            .map(|(who, _)| who.user_ref())
            .collect();
        users.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.sub.cmp(&b.sub)));
        users.dedup_by(|a, b| a.sub == b.sub);
        Ok(users)
    }
}

#[async_trait]
impl Pusher for InMemoryHub {
    async fn publish(&self, room_id: &str, event: ServerEvent, skip: Option<&ConnectionId>) -> Undelivered {
        let mut state = self.state();
        let targets: Vec<ConnectionId> =
            state.rooms.get(room_id).into_iter().flatten().filter(|c| Some(*c) != skip).cloned().collect();
        state.deliver(targets, &event)
    }

    async fn publish_to_user(&self, sub: &str, event: ServerEvent) -> Undelivered {
        let mut state = self.state();
        let targets = state.connections_of(sub);
        state.deliver(targets, &event)
    }
}

/// Runs each task to completion on a thread of its own: a real spawner for
/// executors without one (the domain tests use `futures_executor::block_on`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadSpawner;

impl TaskSpawner for ThreadSpawner {
    fn spawn(&self, task: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'static>>) {
        std::thread::spawn(move || futures_executor::block_on(task));
    }
}
