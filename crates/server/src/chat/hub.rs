//! The in-process fan-out: which connection is subscribed to which room, and
//! a bounded outbox per connection. Publishing never waits on a client: an
//! event is serialised once and offered to every outbox; a connection whose
//! outbox is full is kicked (closed with 1008) rather than silently skipped,
//! so the client reconnects with `since` and loses nothing.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::ws::Utf8Bytes;
use moodchat_core::{ConnectionId, ConnectionRegistry, Pusher};
use moodchat_protocol::{ApiError, ServerEvent, UserRef};
use tokio::sync::{mpsc, Notify};

/// An event on its way to one connection, already serialised.
#[derive(Clone, Debug)]
pub enum Outbound {
    /// A chat message: the connection forwards it only if its id is newer
    /// than what it already sent for that room (backfill/live merge).
    Message { room: Arc<str>, id: Arc<str>, json: Utf8Bytes },
    Event(Utf8Bytes),
}

/// What a new connection gets from the hub.
pub struct Registration {
    pub id: ConnectionId,
    pub outbox: mpsc::Receiver<Outbound>,
    /// Notified when the connection is dropped for being too slow.
    pub kicked: Arc<Notify>,
}

struct Connection {
    user: UserRef,
    outbox: mpsc::Sender<Outbound>,
    kicked: Arc<Notify>,
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

struct Inner {
    state: Mutex<State>,
    next_id: AtomicU64,
    outbox_capacity: usize,
    presence_delay: Duration,
}

/// Cheap to clone; all clones share one hub.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl Hub {
    /// `outbox_capacity`: events queued per connection before it is kicked.
    /// `presence_delay`: presence changes within this window are sent as one
    /// event (200 clients joining at once would otherwise cost 200² frames).
    pub fn new(outbox_capacity: usize, presence_delay: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                next_id: AtomicU64::new(1),
                outbox_capacity,
                presence_delay,
            }),
        }
    }

    pub fn connect(&self, user: UserRef) -> Registration {
        let id = ConnectionId(format!("c{}", self.inner.next_id.fetch_add(1, Ordering::Relaxed)));
        let (sender, outbox) = mpsc::channel(self.inner.outbox_capacity);
        let kicked = Arc::new(Notify::new());
        let connection = Connection { user, outbox: sender, kicked: kicked.clone(), rooms: HashSet::new() };
        self.state().connections.insert(id.clone(), connection);
        Registration { id, outbox, kicked }
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
                    connection.kicked.notify_one();
                }
                overflowing.push(target);
            }
        }
        // Removed right away so that nothing later is offered to it: the
        // client must resume from its last id, not from a hole.
        overflowing.iter().flat_map(|id| state.remove(id)).collect()
    }

    /// The live connections of one user. A scan: it only runs when a direct
    /// conversation is created, far rarer than messages.
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
            tokio::time::sleep(hub.inner.presence_delay).await;
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
                id: Arc::from(message.id.as_str()),
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
mod tests {
    use super::*;

    fn user(name: &str) -> UserRef {
        UserRef { sub: name.into(), name: name.into() }
    }

    #[tokio::test]
    async fn publishes_to_subscribers_except_the_skipped_one() {
        let hub = Hub::new(8, Duration::from_millis(1));
        let mut a = hub.connect(user("a"));
        let mut b = hub.connect(user("b"));
        hub.subscribe(&a.id, "lobby").await.unwrap();
        hub.subscribe(&b.id, "lobby").await.unwrap();
        hub.publish("lobby", ServerEvent::Pong, Some(&a.id)).await;
        assert!(matches!(b.outbox.try_recv(), Ok(Outbound::Event(_))));
        assert!(a.outbox.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_full_outbox_kicks_the_connection_instead_of_dropping_events() {
        let hub = Hub::new(2, Duration::from_secs(60));
        let slow = hub.connect(user("slow"));
        hub.subscribe(&slow.id, "lobby").await.unwrap();
        for _ in 0..3 {
            hub.publish("lobby", ServerEvent::Pong, None).await;
        }
        tokio::time::timeout(Duration::from_secs(1), slow.kicked.notified()).await.expect("kicked");
        assert_eq!(hub.connection_count(), 0);
        assert!(hub.online("lobby").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_users_connections_are_subscribed_and_told_together() {
        let hub = Hub::new(8, Duration::from_secs(60));
        let mut tab1 = hub.connect(user("bo"));
        let mut tab2 = hub.connect(user("bo"));
        let mut other = hub.connect(user("al"));
        hub.subscribe_user("bo", "dm_1").await.unwrap();
        hub.publish_to_user("bo", ServerEvent::RoomAdded { room: "dm_1".into() }).await;
        hub.publish("dm_1", ServerEvent::Pong, None).await;
        for tab in [&mut tab1, &mut tab2] {
            let Ok(Outbound::Event(added)) = tab.outbox.try_recv() else { panic!("no room_added") };
            assert_eq!(added.as_str(), r#"{"type":"room_added","room":"dm_1"}"#);
            assert!(matches!(tab.outbox.try_recv(), Ok(Outbound::Event(_))), "live in the room");
        }
        assert!(other.outbox.try_recv().is_err(), "someone else's tabs hear nothing");
        assert_eq!(hub.online("dm_1").await.unwrap(), vec![user("bo")]);
    }

    #[tokio::test]
    async fn presence_bursts_are_coalesced_into_one_event() {
        let hub = Hub::new(64, Duration::from_millis(50));
        let mut watcher = hub.connect(user("watcher"));
        hub.subscribe(&watcher.id, "lobby").await.unwrap();
        for i in 0..10 {
            let other = hub.connect(user(&format!("u{i}")));
            hub.subscribe(&other.id, "lobby").await.unwrap();
            hub.presence_changed("lobby").await;
        }
        let first = tokio::time::timeout(Duration::from_secs(2), watcher.outbox.recv()).await.unwrap().unwrap();
        let Outbound::Event(json) = first else { panic!("not an event") };
        let event: ServerEvent = serde_json::from_str(json.as_str()).unwrap();
        let ServerEvent::Presence { online, .. } = event else { panic!("{event:?}") };
        assert_eq!(online.len(), 11);
        assert!(watcher.outbox.try_recv().is_err(), "one presence event for the burst");
    }
}
