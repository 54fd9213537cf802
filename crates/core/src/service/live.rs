//! Live connections: their lifecycle (connect, identity, touch,
//! disconnect), the rooms they follow, and typing. Everything a stateless
//! handler needs is read from the registry, nothing from memory.

use moodchat_protocol::ServerEvent;

use super::{ChatService, LiveJoin, TYPING_INTERVAL_MS};
use crate::error::{unauthorized, ChatResult};
use crate::ports::{ConnectionId, Identity};

impl ChatService {
    /// Records a new connection of `who` (a `$connect`, or an accepted
    /// WebSocket): later frames on it are from `who`.
    pub async fn connect(&self, who: &Identity, connection: &ConnectionId) -> ChatResult<()> {
        self.fanout.registry().connect(connection, who, self.clock.now_ms()).await
    }

    /// Who is speaking on a connection, for a handler that keeps nothing
    /// between frames; `unauthorized` once it is disconnected.
    pub async fn identity(&self, connection: &ConnectionId) -> ChatResult<Identity> {
        self.fanout.registry().identity(connection).await?.ok_or_else(|| unauthorized("this connection is closed"))
    }

    /// The connection is alive (a frame or a ping came): it keeps counting
    /// as online (`fanout::PRESENCE_TTL_MS`).
    pub async fn touch(&self, connection: &ConnectionId) -> ChatResult<()> {
        self.fanout.registry().touch(connection, self.clock.now_ms()).await
    }

    /// Subscribes a connection to a room's live events (joining a public
    /// room as a member) and announces the new presence.
    pub async fn join_live(&self, who: &Identity, connection: &ConnectionId, room_id: &str) -> ChatResult<LiveJoin> {
        let room = self.join_room(who, room_id).await?;
        self.fanout.registry().subscribe(connection, &room.id).await?;
        self.fanout.presence(&room.id).await;
        let online = self.fanout.online(&room.id).await?;
        Ok(LiveJoin { room, online })
    }

    pub async fn leave_live(&self, connection: &ConnectionId, room_id: &str) -> ChatResult<()> {
        self.fanout.registry().unsubscribe(connection, room_id).await?;
        self.fanout.presence(room_id).await;
        Ok(())
    }

    pub async fn disconnect(&self, connection: &ConnectionId) -> ChatResult<()> {
        self.fanout.disconnect(connection).await
    }

    /// Relays a typing indicator to the room's other connections, at most one
    /// per user and room every two seconds (extra ones are dropped quietly).
    pub async fn typing(&self, who: &Identity, connection: &ConnectionId, room_id: &str) -> ChatResult<()> {
        let room = self.writable_room(who, room_id).await?;
        let now = self.clock.now_ms();
        {
            let mut last = self.last_typing.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if last.len() > 10_000 {
                last.retain(|_, at| now - *at < TYPING_INTERVAL_MS);
            }
            let key = (who.sub.clone(), room.id.clone());
            if last.get(&key).is_some_and(|at| now - *at < TYPING_INTERVAL_MS) {
                return Ok(());
            }
            last.insert(key, now);
        }
        let event = ServerEvent::Typing { room: room.id.clone(), user: who.user_ref() };
        self.fanout.publish(&room.id, event, Some(connection)).await;
        Ok(())
    }
}
