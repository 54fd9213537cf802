//! The in-process fan-out: which connection is subscribed to which room, and
//! a bounded outbox per connection. Publishing never waits on a client: an
//! event is serialised once and offered to every outbox; a connection whose
//! outbox is full is kicked (closed with 1008) rather than silently skipped,
//! so the client reconnects with `since` and loses nothing. The hub also
//! bounds a user's connections and closes those of a user who signed out.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::ws::Utf8Bytes;
use moodchat_core::{ConnectionId, ConnectionRegistry, Pusher};
use moodchat_protocol::{ApiError, ServerEvent, UserRef};
use tokio::sync::{mpsc, Notify};

/// An event on its way to one connection, already serialised.
#[derive(Clone, Debug)]
pub enum Outbound {
    /// A chat message: the connection forwards it only if its seq is above
    /// what it already sent for that room (backfill/live merge).
    Message { room: Arc<str>, seq: u64, json: Utf8Bytes },
    Event(Utf8Bytes),
}

/// Why the hub dropped a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kick {
    /// Its outbox was full: the client reads slower than the room talks.
    SlowConsumer,
    /// Its user signed out everywhere, or its sign-in session was revoked.
    SignedOut,
}

/// Set once by the hub; the connection's task waits on it, also while it is
/// blocked writing to a client that does not read.
#[derive(Debug, Default)]
pub struct KickSignal {
    reason: OnceLock<Kick>,
    notify: Notify,
}

impl KickSignal {
    fn kick(&self, reason: Kick) {
        if self.reason.set(reason).is_ok() {
            self.notify.notify_one();
        }
    }

    /// Resolves once the connection is kicked (at once if it already was).
    pub async fn kicked(&self) -> Kick {
        loop {
            if let Some(reason) = self.reason.get() {
                return *reason;
            }
            // notify_one keeps a permit when nobody waits yet: no kick is missed.
            self.notify.notified().await;
        }
    }

    pub fn reason(&self) -> Option<Kick> {
        self.reason.get().copied()
    }
}

/// What a new connection gets from the hub.
pub struct Registration {
    pub id: ConnectionId,
    pub outbox: mpsc::Receiver<Outbound>,
    pub kick: Arc<KickSignal>,
    /// Forgets the connection when dropped, also if the WebSocket upgrade
    /// that reserved it never completes.
    pub slot: Slot,
}

/// The user already has the most connections allowed.
#[derive(Debug)]
pub struct TooManyConnections {
    pub limit: usize,
}

/// A connection's place in the hub, given back on drop.
pub struct Slot {
    hub: Hub,
    id: ConnectionId,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let rooms = self.hub.state().remove(&self.id);
        for room in rooms {
            self.hub.schedule_presence(&room);
        }
    }
}

struct Connection {
    user: UserRef,
    /// The sign-in session of the token it connected with (`origin_jti`).
    session: Option<String>,
    outbox: mpsc::Sender<Outbound>,
    kick: Arc<KickSignal>,
    rooms: HashSet<String>,
}

#[derive(Default)]
struct State {
    connections: HashMap<ConnectionId, Connection>,
    rooms: HashMap<String, HashSet<ConnectionId>>,
    /// Rooms with a presence broadcast already scheduled.
    presence_pending: HashSet<String>,
}

impl State {
    /// Forgets a connection everywhere; returns the rooms it was in.
    fn remove(&mut self, id: &ConnectionId) -> Vec<String> {
        let Some(connection) = self.connections.remove(id) else { return Vec::new() };
        for room in &connection.rooms {
            if let Some(members) = self.rooms.get_mut(room) {
                members.remove(id);
                if members.is_empty() {
                    self.rooms.remove(room);
                }
            }
        }
        connection.rooms.into_iter().collect()
    }
}

/// The hub's bounds; `Default` is what docs/security.md documents.
#[derive(Clone, Copy, Debug)]
pub struct HubSettings {
    /// Events queued per connection before it is kicked.
    pub outbox_capacity: usize,
    /// Presence changes within this window are sent as one event (200
    /// clients joining at once would otherwise cost 200² frames).
    pub presence_delay: Duration,
    /// WebSockets one user may hold open at once.
    pub max_connections_per_user: usize,
}

impl Default for HubSettings {
    fn default() -> Self {
        Self { outbox_capacity: 4096, presence_delay: Duration::from_millis(100), max_connections_per_user: 10 }
    }
}

struct Inner {
    state: Mutex<State>,
    next_id: AtomicU64,
    settings: HubSettings,
}

/// Cheap to clone; all clones share one hub.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl Hub {
    pub fn new(settings: HubSettings) -> Self {
        Self { inner: Arc::new(Inner { state: Mutex::new(State::default()), next_id: AtomicU64::new(1), settings }) }
    }

    /// Registers a connection of `user`, made with a token of the sign-in
    /// `session`, unless the user already has as many as allowed.
    pub fn connect(&self, user: UserRef, session: Option<String>) -> Result<Registration, TooManyConnections> {
        let limit = self.inner.settings.max_connections_per_user;
        let id = ConnectionId(format!("c{}", self.inner.next_id.fetch_add(1, Ordering::Relaxed)));
        let (sender, outbox) = mpsc::channel(self.inner.settings.outbox_capacity);
        let kick = Arc::new(KickSignal::default());
        let mut state = self.state();
        if Self::connections_of(&state, &user.sub).len() >= limit {
            return Err(TooManyConnections { limit });
        }
        let connection = Connection { user, session, outbox: sender, kick: kick.clone(), rooms: HashSet::new() };
        state.connections.insert(id.clone(), connection);
        drop(state);
        Ok(Registration { id: id.clone(), outbox, kick, slot: Slot { hub: self.clone(), id } })
    }

    /// Closes every connection of `sub` (only those of one sign-in session
    /// when `session` is given): a token revoked or a global sign-out must
    /// not leave a WebSocket receiving the user's rooms.
    pub fn sign_out(&self, sub: &str, session: Option<&str>) {
        let mut state = self.state();
        let targets: Vec<ConnectionId> = state
            .connections
            .iter()
            .filter(|(_, c)| c.user.sub == sub && session.is_none_or(|s| c.session.as_deref() == Some(s)))
            .map(|(id, _)| id.clone())
            .collect();
        let mut emptied_rooms = Vec::new();
        for id in &targets {
            if let Some(connection) = state.connections.get(id) {
                connection.kick.kick(Kick::SignedOut);
            }
            emptied_rooms.extend(state.remove(id));
        }
        drop(state);
        if !targets.is_empty() {
            tracing::info!(%sub, connections = targets.len(), "closing the WebSockets of a signed-out session");
        }
        for room in emptied_rooms {
            self.schedule_presence(&room);
        }
    }

    pub fn connection_count(&self) -> usize {
        self.state().connections.len()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn deliver(&self, room_id: &str, item: Outbound, skip: Option<&ConnectionId>) {
        let mut state = self.state();
        let Some(targets) = state.rooms.get(room_id) else { return };
        let targets = targets.iter().filter(|target| Some(*target) != skip).cloned().collect();
        let emptied_rooms = self.offer(&mut state, targets, &item);
        drop(state);
        for room in emptied_rooms {
            self.schedule_presence(&room);
        }
    }

    fn deliver_to_user(&self, sub: &str, item: Outbound) {
        let mut state = self.state();
        let targets = Self::connections_of(&state, sub);
        let emptied_rooms = self.offer(&mut state, targets, &item);
        drop(state);
        for room in emptied_rooms {
            self.schedule_presence(&room);
        }
    }

    /// Offers an item to each of the given connections; a full outbox kicks
    /// its connection (see `deliver`).
    fn offer(&self, state: &mut State, targets: Vec<ConnectionId>, item: &Outbound) -> Vec<String> {
        let mut overflowing = Vec::new();
        for target in targets {
            let Some(connection) = state.connections.get(&target) else { continue };
            if let Err(error) = connection.outbox.try_send(item.clone()) {
                if let mpsc::error::TrySendError::Full(_) = error {
                    tracing::warn!(connection = %target.0, "outbox full: closing slow connection");
                    connection.kick.kick(Kick::SlowConsumer);
                }
                overflowing.push(target);
            }
        }
        // Removed right away so that nothing later is offered to it: the
        // client must resume from its last id, not from a hole.
        overflowing.iter().flat_map(|id| state.remove(id)).collect()
    }

    /// The live connections of one user. A scan: it runs when a connection
    /// opens, a session ends or a direct conversation is created, far rarer
    /// than messages (and the hub holds at most `--max-connections`).
    fn connections_of(state: &State, sub: &str) -> Vec<ConnectionId> {
        state.connections.iter().filter(|(_, c)| c.user.sub == sub).map(|(id, _)| id.clone()).collect()
    }

    fn online_now(&self, room_id: &str) -> Vec<UserRef> {
        let state = self.state();
        let mut users: Vec<UserRef> = state
            .rooms
            .get(room_id)
            .into_iter()
            .flatten()
            .filter_map(|id| state.connections.get(id).map(|c| c.user.clone()))
            .collect();
        users.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.sub.cmp(&b.sub)));
        users.dedup_by(|a, b| a.sub == b.sub);
        users
    }

    fn schedule_presence(&self, room_id: &str) {
        if !self.state().presence_pending.insert(room_id.to_string()) {
            return;
        }
        let hub = self.clone();
        let room = room_id.to_string();
        tokio::spawn(async move {
            tokio::time::sleep(hub.inner.settings.presence_delay).await;
            hub.state().presence_pending.remove(&room);
            let online = hub.online_now(&room);
            hub.deliver(&room, Outbound::Event(serialise(&ServerEvent::Presence { room: room.clone(), online })), None);
        });
    }
}

pub fn serialise(event: &ServerEvent) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(event).expect("server events always serialise"))
}

#[async_trait]
impl ConnectionRegistry for Hub {
    async fn subscribe(&self, connection: &ConnectionId, room_id: &str) -> Result<(), ApiError> {
        let mut state = self.state();
        let Some(entry) = state.connections.get_mut(connection) else {
            // Kicked between accepting a frame and handling it: nothing to do.
            return Ok(());
        };
        entry.rooms.insert(room_id.to_string());
        state.rooms.entry(room_id.to_string()).or_default().insert(connection.clone());
        Ok(())
    }

    async fn unsubscribe(&self, connection: &ConnectionId, room_id: &str) -> Result<(), ApiError> {
        let mut state = self.state();
        if let Some(entry) = state.connections.get_mut(connection) {
            entry.rooms.remove(room_id);
        }
        if let Some(members) = state.rooms.get_mut(room_id) {
            members.remove(connection);
            if members.is_empty() {
                state.rooms.remove(room_id);
            }
        }
        Ok(())
    }

    async fn subscribe_user(&self, sub: &str, room_id: &str) -> Result<(), ApiError> {
        let mut state = self.state();
        let theirs = Self::connections_of(&state, sub);
        for id in &theirs {
            if let Some(connection) = state.connections.get_mut(id) {
                connection.rooms.insert(room_id.to_string());
            }
        }
        if !theirs.is_empty() {
            state.rooms.entry(room_id.to_string()).or_default().extend(theirs);
        }
        Ok(())
    }

    async fn disconnect(&self, connection: &ConnectionId) -> Result<Vec<String>, ApiError> {
        Ok(self.state().remove(connection))
    }

    async fn online(&self, room_id: &str) -> Result<Vec<UserRef>, ApiError> {
        Ok(self.online_now(room_id))
    }
}

#[async_trait]
impl Pusher for Hub {
    async fn publish(&self, room_id: &str, event: ServerEvent, skip: Option<&ConnectionId>) {
        let item = match &event {
            ServerEvent::Message { message } => Outbound::Message {
                room: Arc::from(message.room.as_str()),
                seq: message.seq,
                json: serialise(&event),
            },
            _ => Outbound::Event(serialise(&event)),
        };
        self.deliver(room_id, item, skip);
    }

    async fn publish_to_user(&self, sub: &str, event: ServerEvent) {
        self.deliver_to_user(sub, Outbound::Event(serialise(&event)));
    }

    async fn presence_changed(&self, room_id: &str) {
        self.schedule_presence(room_id);
    }
}

#[cfg(test)]
mod tests;
