//! The hub as the core's connection ports: the registry of who is
//! connected to which room, and the pusher over the outboxes.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use moodchat_core::{ConnectionId, ConnectionRegistry, Identity, Pusher, Undelivered};
use moodchat_protocol::{ApiError, ServerEvent, UserRef};

use super::{serialise, Connection, Hub, KickSignal, Outbound};

#[async_trait]
impl ConnectionRegistry for Hub {
    async fn connect(&self, connection: &ConnectionId, identity: &Identity, now_ms: i64) -> Result<(), ApiError> {
        let mut state = self.state();
        if let Some(entry) = state.connections.get_mut(connection) {
            entry.identity = identity.clone();
            entry.last_seen_ms = entry.last_seen_ms.max(now_ms);
            return Ok(());
        }
        let entry = Connection {
            identity: identity.clone(),
            session: None,
            outbox: None,
            kick: Arc::new(KickSignal::default()),
            rooms: HashSet::new(),
            last_seen_ms: now_ms,
        };
        state.connections.insert(connection.clone(), entry);
        Ok(())
    }

    async fn identity(&self, connection: &ConnectionId) -> Result<Option<Identity>, ApiError> {
        Ok(self.state().connections.get(connection).map(|c| c.identity.clone()))
    }

    async fn touch(&self, connection: &ConnectionId, now_ms: i64) -> Result<(), ApiError> {
        if let Some(entry) = self.state().connections.get_mut(connection) {
            entry.last_seen_ms = entry.last_seen_ms.max(now_ms);
        }
        Ok(())
    }

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

    async fn online(&self, room_id: &str, seen_since_ms: i64) -> Result<Vec<UserRef>, ApiError> {
        Ok(self.online_now(room_id, seen_since_ms))
    }
}

#[async_trait]
impl Pusher for Hub {
    async fn publish(&self, room_id: &str, event: ServerEvent, skip: Option<&ConnectionId>) -> Undelivered {
        let item = match &event {
            ServerEvent::Message { message } => Outbound::Message {
                room: Arc::from(message.room.as_str()),
                seq: message.seq,
                json: serialise(&event),
            },
            ServerEvent::Presence { .. } => {
                // Coalesced: 200 clients joining at once would otherwise
                // cost 200² frames. A gone connection is found by the next
                // message or kick.
                self.schedule_presence(room_id, Some(serialise(&event)));
                return Vec::new();
            }
            _ => Outbound::Event(serialise(&event)),
        };
        self.deliver(room_id, item, skip)
    }

    async fn publish_to_user(&self, sub: &str, event: ServerEvent) -> Undelivered {
        self.deliver_to_user(sub, Outbound::Event(serialise(&event)))
    }
}
