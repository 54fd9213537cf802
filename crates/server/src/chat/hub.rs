//! The in-process fan-out: which connection is subscribed to which room, and
//! a bounded outbox per connection. Publishing never waits on a client: an
//! event is serialised once and offered to every outbox; a connection whose
//! outbox is full is kicked (closed with 1008) rather than silently skipped,
//! so the client reconnects with `since` and loses nothing. The hub also
//! bounds a user's connections and closes those of a user who signed out.
//!
//! It implements the core's connection ports (`ConnectionRegistry`,
//! `Pusher`): a connection recorded through the port without a socket here
//! (another process's) cannot be delivered to and is reported gone. Presence
//! bursts are coalesced (`presence`), an optimisation the ports allow.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use moodchat_core::fanout::PRESENCE_TTL_MS;
use moodchat_core::{Clock, ConnectionId, Identity, SystemClock, Undelivered};
use moodchat_protocol::{ServerEvent, UserRef};
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
            self.hub.schedule_presence(&room, None);
        }
    }
}

struct Connection {
    identity: Identity,
    /// The sign-in session of the token it connected with (`origin_jti`).
    session: Option<String>,
    /// None: recorded through the port, with no socket in this process.
    outbox: Option<mpsc::Sender<Outbound>>,
    kick: Arc<KickSignal>,
    rooms: HashSet<String>,
    /// When it was last heard from. A socket of this process is alive until
    /// it closes (its `Slot` is dropped), so it is always fresh: `i64::MAX`.
    last_seen_ms: i64,
}

#[derive(Default)]
struct State {
    connections: HashMap<ConnectionId, Connection>,
    rooms: HashMap<String, HashSet<ConnectionId>>,
    /// Rooms with a presence broadcast already scheduled, with the newest
    /// presence event the core sent for it (None: recompute when sending).
    presence_pending: HashMap<String, Option<Utf8Bytes>>,
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
    pub fn connect(&self, identity: Identity, session: Option<String>) -> Result<Registration, TooManyConnections> {
        let limit = self.inner.settings.max_connections_per_user;
        let id = ConnectionId(format!("c{}", self.inner.next_id.fetch_add(1, Ordering::Relaxed)));
        let (sender, outbox) = mpsc::channel(self.inner.settings.outbox_capacity);
        let kick = Arc::new(KickSignal::default());
        let mut state = self.state();
        if Self::connections_of(&state, &identity.sub).len() >= limit {
            return Err(TooManyConnections { limit });
        }
        let connection = Connection {
            identity,
            session,
            outbox: Some(sender),
            kick: kick.clone(),
            rooms: HashSet::new(),
            last_seen_ms: i64::MAX,
        };
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
            .filter(|(_, c)| c.identity.sub == sub && session.is_none_or(|s| c.session.as_deref() == Some(s)))
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
            self.schedule_presence(&room, None);
        }
    }

    pub fn connection_count(&self) -> usize {
        self.state().connections.len()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn deliver(&self, room_id: &str, item: Outbound, skip: Option<&ConnectionId>) -> Undelivered {
        let mut state = self.state();
        let Some(targets) = state.rooms.get(room_id) else { return Vec::new() };
        let targets = targets.iter().filter(|target| Some(*target) != skip).cloned().collect();
        let (undelivered, emptied_rooms) = Self::offer(&mut state, targets, &item);
        drop(state);
        for room in emptied_rooms {
            self.schedule_presence(&room, None);
        }
        undelivered
    }

    fn deliver_to_user(&self, sub: &str, item: Outbound) -> Undelivered {
        let mut state = self.state();
        let targets = Self::connections_of(&state, sub);
        let (undelivered, emptied_rooms) = Self::offer(&mut state, targets, &item);
        drop(state);
        for room in emptied_rooms {
            self.schedule_presence(&room, None);
        }
        undelivered
    }

    /// Offers an item to each of the given connections; a full outbox kicks
    /// its connection (see `deliver`). Returns the connections not reached,
    /// and the rooms that kicked ones were in.
    fn offer(state: &mut State, targets: Vec<ConnectionId>, item: &Outbound) -> (Undelivered, Vec<String>) {
        let mut undelivered = Vec::new();
        let mut overflowing = Vec::new();
        for target in targets {
            let Some(connection) = state.connections.get(&target) else { continue };
            let Some(outbox) = &connection.outbox else {
                // No socket here: the core disconnects it.
                undelivered.push(target);
                continue;
            };
            if let Err(error) = outbox.try_send(item.clone()) {
                if let mpsc::error::TrySendError::Full(_) = error {
                    tracing::warn!(connection = %target.0, "outbox full: closing slow connection");
                    connection.kick.kick(Kick::SlowConsumer);
                }
                overflowing.push(target);
            }
        }
        // Removed right away so that nothing later is offered to it: the
        // client must resume from its last seq, not from a hole.
        let emptied_rooms = overflowing.iter().flat_map(|id| state.remove(id)).collect();
        undelivered.extend(overflowing);
        (undelivered, emptied_rooms)
    }

    /// The live connections of one user. A scan: it runs when a connection
    /// opens, a session ends or a direct conversation is created, far rarer
    /// than messages (and the hub holds at most `--max-connections`).
    fn connections_of(state: &State, sub: &str) -> Vec<ConnectionId> {
        state.connections.iter().filter(|(_, c)| c.identity.sub == sub).map(|(id, _)| id.clone()).collect()
    }

    fn online_now(&self, room_id: &str, seen_since_ms: i64) -> Vec<UserRef> {
        let state = self.state();
        let mut users: Vec<UserRef> = state
            .rooms
            .get(room_id)
            .into_iter()
            .flatten()
            .filter_map(|id| state.connections.get(id))
            .filter(|c| c.last_seen_ms >= seen_since_ms)
            .map(|c| c.identity.user_ref())
            .collect();
        users.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.sub.cmp(&b.sub)));
        users.dedup_by(|a, b| a.sub == b.sub);
        users
    }

    /// Sends the room's presence after `presence_delay`, once for a burst
    /// of changes: the newest event the core sent (`event`), or, after a
    /// change only the hub saw (a kick, a closed socket), one computed then.
    fn schedule_presence(&self, room_id: &str, event: Option<Utf8Bytes>) {
        let mut state = self.state();
        if let Some(pending) = state.presence_pending.get_mut(room_id) {
            if event.is_some() {
                *pending = event;
            }
            return;
        }
        state.presence_pending.insert(room_id.to_string(), event);
        drop(state);
        let hub = self.clone();
        let room = room_id.to_string();
        tokio::spawn(async move {
            tokio::time::sleep(hub.inner.settings.presence_delay).await;
            let pending = hub.state().presence_pending.remove(&room).flatten();
            let json = pending.unwrap_or_else(|| {
                let seen_since = SystemClock.now_ms() - PRESENCE_TTL_MS;
                let online = hub.online_now(&room, seen_since);
                serialise(&ServerEvent::Presence { room: room.clone(), online })
            });
            hub.deliver(&room, Outbound::Event(json), None);
        });
    }
}

pub fn serialise(event: &ServerEvent) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(event).expect("server events always serialise"))
}

mod ports;

#[cfg(test)]
mod tests;
