//! Publishing through the ports with the core's rules around it: presence
//! is computed here (who was seen within `PRESENCE_TTL_MS`) and sent at
//! once, and connections a push reports gone are disconnected, which may
//! change presence in turn. Shared by `ChatService` and the committer.

use std::collections::VecDeque;
use std::sync::Arc;

use moodchat_protocol::{ApiError, ServerEvent, UserRef};

use crate::ports::{Clock, ConnectionId, ConnectionRegistry, Pusher, Undelivered};

/// A connection not seen (connected, touched) for this long no longer counts
/// as online, even if its `$disconnect` never came. Every frame touches its
/// connection (`crate::edge`), and clients ping well within the idle timeout
/// (10 min, docs/protocol.md), so a live one is touched within it.
pub const PRESENCE_TTL_MS: i64 = 15 * 60 * 1000;

#[derive(Clone)]
pub struct Fanout {
    registry: Arc<dyn ConnectionRegistry>,
    pusher: Arc<dyn Pusher>,
    clock: Arc<dyn Clock>,
}

impl Fanout {
    pub fn new(registry: Arc<dyn ConnectionRegistry>, pusher: Arc<dyn Pusher>, clock: Arc<dyn Clock>) -> Self {
        Self { registry, pusher, clock }
    }

    pub fn registry(&self) -> &dyn ConnectionRegistry {
        self.registry.as_ref()
    }

    /// Users online in the room now: subscribed and seen within the TTL.
    pub async fn online(&self, room_id: &str) -> Result<Vec<UserRef>, ApiError> {
        self.registry.online(room_id, self.clock.now_ms() - PRESENCE_TTL_MS).await
    }

    pub async fn publish(&self, room_id: &str, event: ServerEvent, skip: Option<&ConnectionId>) {
        let gone = self.pusher.publish(room_id, event, skip).await;
        self.forget(gone).await;
    }

    pub async fn publish_to_user(&self, sub: &str, event: ServerEvent) {
        let gone = self.pusher.publish_to_user(sub, event).await;
        self.forget(gone).await;
    }

    /// Sends the room's presence now.
    pub async fn presence(&self, room_id: &str) {
        let gone = self.send_presence(room_id).await;
        self.forget(gone).await;
    }

    /// Disconnects a connection and tells its rooms.
    pub async fn disconnect(&self, connection: &ConnectionId) -> Result<(), ApiError> {
        let rooms = self.registry.disconnect(connection).await?;
        let mut gone = Vec::new();
        for room in rooms {
            gone.extend(self.send_presence(&room).await);
        }
        self.forget(gone).await;
        Ok(())
    }

    async fn send_presence(&self, room_id: &str) -> Undelivered {
        // Presence is advisory: if it cannot be read, the next change sends it.
        let Ok(online) = self.online(room_id).await else { return Vec::new() };
        self.pusher.publish(room_id, ServerEvent::Presence { room: room_id.to_string(), online }, None).await
    }

    /// Disconnects gone connections and announces the presence of the rooms
    /// they leave; a worklist rather than recursion, since those presence
    /// events can find more gone connections.
    async fn forget(&self, gone: Undelivered) {
        let mut queue: VecDeque<ConnectionId> = gone.into();
        while let Some(connection) = queue.pop_front() {
            let rooms = self.registry.disconnect(&connection).await.unwrap_or_default();
            for room in rooms {
                queue.extend(self.send_presence(&room).await);
            }
        }
    }
}
