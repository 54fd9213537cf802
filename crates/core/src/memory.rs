//! In-memory adapters of every port: the reference behaviour the real
//! adapters must match, and the fixtures of the domain tests.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;
use moodchat_protocol::limits::LOBBY_ROOM_ID;
use moodchat_protocol::{ApiError, Message, Room, RoomKind, RoomSummary, ServerEvent, UserRef};

use crate::ports::{
    Appended, ConnectionId, ConnectionRegistry, HistorySlice, Identity, MessageStore, Pusher, TaskSpawner,
};

#[derive(Default)]
struct StoreState {
    users: BTreeMap<String, Identity>,
    rooms: BTreeMap<String, Room>,
    direct_keys: HashMap<String, String>,
    members: BTreeMap<String, HashSet<String>>,
    /// room -> id -> message; BTreeMap keeps id order.
    messages: HashMap<String, BTreeMap<String, Message>>,
    reads: HashMap<(String, String), String>,
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
        let mut state = self.state();
        state.users.insert(user.sub.clone(), user.clone());
        state.members.entry(LOBBY_ROOM_ID.into()).or_default().insert(user.sub.clone());
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
        state.members.entry(room.id.clone()).or_default().insert(creator.into());
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
        state.members.entry(candidate.id.clone()).or_default().extend(members.iter().map(|m| m.to_string()));
        Ok(candidate.clone())
    }

    async fn add_member(&self, room_id: &str, sub: &str, _now_ms: i64) -> Result<(), ApiError> {
        self.state().members.entry(room_id.into()).or_default().insert(sub.into());
        Ok(())
    }

    async fn is_member(&self, room_id: &str, sub: &str) -> Result<bool, ApiError> {
        Ok(self.state().members.get(room_id).is_some_and(|m| m.contains(sub)))
    }

    async fn members(&self, room_id: &str) -> Result<Vec<UserRef>, ApiError> {
        let state = self.state();
        let subs = state.members.get(room_id).cloned().unwrap_or_default();
        Ok(subs.iter().filter_map(|sub| state.users.get(sub)).map(user_ref).collect())
    }

    async fn room_summaries(&self, sub: &str, discover: bool) -> Result<Vec<RoomSummary>, ApiError> {
        let state = self.state();
        let mut summaries = Vec::new();
        for room in state.rooms.values() {
            let member = state.members.get(&room.id).is_some_and(|m| m.contains(sub));
            let discoverable = discover && room.kind == RoomKind::Public;
            if !member && !discoverable {
                continue;
            }
            let messages = state.messages.get(&room.id);
            let read = state.reads.get(&(room.id.clone(), sub.to_string())).cloned().unwrap_or_default();
            let unread = if member {
                messages.map_or(0, |m| m.values().filter(|m| m.id > read && m.sender.sub != sub).count() as u32)
            } else {
                0
            };
            let peer = if room.kind == RoomKind::Direct {
                let subs = &state.members[&room.id];
                subs.iter().find(|s| s.as_str() != sub).and_then(|s| state.users.get(s)).map(user_ref)
            } else {
                None
            };
            let mut room = room.clone();
            if let Some(peer) = &peer {
                room.name = peer.name.clone();
            }
            let last_message = messages.and_then(|m| m.values().next_back().cloned());
            summaries.push(RoomSummary { room, member, last_message, unread, peer });
        }
        summaries.sort_by(|a, b| {
            let last = |s: &RoomSummary| s.last_message.as_ref().map(|m| m.id.clone());
            last(b).cmp(&last(a))
        });
        Ok(summaries)
    }

    async fn append(&self, message: &Message) -> Result<Appended, ApiError> {
        let mut state = self.state();
        let room = state.messages.entry(message.room.clone()).or_default();
        if let Some(existing) =
            room.values().find(|m| m.sender.sub == message.sender.sub && m.client_id == message.client_id)
        {
            return Ok(Appended::Existing(existing.clone()));
        }
        room.insert(message.id.clone(), message.clone());
        Ok(Appended::New(message.clone()))
    }

    async fn history(&self, room_id: &str, slice: &HistorySlice, limit: u32) -> Result<Vec<Message>, ApiError> {
        let state = self.state();
        let Some(messages) = state.messages.get(room_id) else { return Ok(Vec::new()) };
        let limit = limit as usize;
        Ok(match slice {
            HistorySlice::Latest => messages.values().rev().take(limit).cloned().collect(),
            HistorySlice::Before(id) => messages.range(..id.clone()).rev().take(limit).map(|(_, m)| m.clone()).collect(),
            HistorySlice::After(id) => messages
                .range(id.clone()..)
                .filter(|(key, _)| *key != id)
                .take(limit)
                .map(|(_, m)| m.clone())
                .collect(),
        })
    }

    async fn mark_read(&self, room_id: &str, sub: &str, message_id: &str) -> Result<bool, ApiError> {
        let mut state = self.state();
        let marker = state.reads.entry((room_id.into(), sub.into())).or_default();
        if marker.as_str() >= message_id {
            return Ok(false);
        }
        *marker = message_id.into();
        Ok(true)
    }

    async fn message_exists(&self, room_id: &str, message_id: &str) -> Result<bool, ApiError> {
        Ok(self.state().messages.get(room_id).is_some_and(|m| m.contains_key(message_id)))
    }
}

/// Registry and pusher in one: records what each connection would receive.
#[derive(Default)]
pub struct InMemoryHub {
    state: Mutex<HubState>,
}

#[derive(Default)]
struct HubState {
    users: HashMap<ConnectionId, UserRef>,
    rooms: HashMap<String, HashSet<ConnectionId>>,
    inbox: HashMap<ConnectionId, Vec<ServerEvent>>,
}

impl HubState {
    fn connections_of(&self, sub: &str) -> Vec<ConnectionId> {
        self.users.iter().filter(|(_, user)| user.sub == sub).map(|(connection, _)| connection.clone()).collect()
    }
}

impl InMemoryHub {
    /// Declares a connection of `user` (the embedded hub learns this when
    /// the WebSocket is accepted).
    pub fn connect(&self, connection: &ConnectionId, user: UserRef) {
        self.state.lock().unwrap().users.insert(connection.clone(), user);
    }

    /// Everything delivered to the connection so far, draining it.
    pub fn take_events(&self, connection: &ConnectionId) -> Vec<ServerEvent> {
        self.state.lock().unwrap().inbox.remove(connection).unwrap_or_default()
    }
}

#[async_trait]
impl ConnectionRegistry for InMemoryHub {
    async fn subscribe(&self, connection: &ConnectionId, room_id: &str) -> Result<(), ApiError> {
        self.state.lock().unwrap().rooms.entry(room_id.into()).or_default().insert(connection.clone());
        Ok(())
    }

    async fn unsubscribe(&self, connection: &ConnectionId, room_id: &str) -> Result<(), ApiError> {
        if let Some(room) = self.state.lock().unwrap().rooms.get_mut(room_id) {
            room.remove(connection);
        }
        Ok(())
    }

    async fn subscribe_user(&self, sub: &str, room_id: &str) -> Result<(), ApiError> {
        let mut state = self.state.lock().unwrap();
        let theirs = state.connections_of(sub);
        state.rooms.entry(room_id.into()).or_default().extend(theirs);
        Ok(())
    }

    async fn disconnect(&self, connection: &ConnectionId) -> Result<Vec<String>, ApiError> {
        let mut state = self.state.lock().unwrap();
        state.users.remove(connection);
        let mut left = Vec::new();
        for (room, connections) in state.rooms.iter_mut() {
            if connections.remove(connection) {
                left.push(room.clone());
            }
        }
        Ok(left)
    }

    async fn online(&self, room_id: &str) -> Result<Vec<UserRef>, ApiError> {
        let state = self.state.lock().unwrap();
        let mut users: Vec<UserRef> = state
            .rooms
            .get(room_id)
            .into_iter()
            .flatten()
            .filter_map(|c| state.users.get(c).cloned())
            .collect();
        users.sort_by(|a, b| a.sub.cmp(&b.sub));
        users.dedup();
        Ok(users)
    }
}

#[async_trait]
impl Pusher for InMemoryHub {
    async fn publish(&self, room_id: &str, event: ServerEvent, skip: Option<&ConnectionId>) {
        let mut state = self.state.lock().unwrap();
        let targets: Vec<ConnectionId> =
            state.rooms.get(room_id).into_iter().flatten().filter(|c| Some(*c) != skip).cloned().collect();
        for target in targets {
            state.inbox.entry(target).or_default().push(event.clone());
        }
    }

    async fn publish_to_user(&self, sub: &str, event: ServerEvent) {
        let mut state = self.state.lock().unwrap();
        for target in state.connections_of(sub) {
            state.inbox.entry(target).or_default().push(event.clone());
        }
    }

    async fn presence_changed(&self, room_id: &str) {
        let online = self.online(room_id).await.unwrap_or_default();
        self.publish(room_id, ServerEvent::Presence { room: room_id.into(), online }, None).await;
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
