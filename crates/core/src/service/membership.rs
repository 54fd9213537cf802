//! Leaving a room (issue 17, "rooms people can find"). Only the caller's
//! own membership goes; the room, its messages and the other members stay.
//! Everyone is in the lobby, and a direct conversation is the one room two
//! people share: neither can be left (docs/protocol.md, "Rooms").

use moodchat_protocol::limits::LOBBY_ROOM_ID;
use moodchat_protocol::RoomKind;

use super::{lock, ChatService};
use crate::error::{bad_request, ChatResult};
use crate::ports::Identity;

impl ChatService {
    /// The caller leaves public room `room_id`; a no-op when they are not a
    /// member. Their next send there is refused until they join again.
    pub async fn leave_room(&self, who: &Identity, room_id: &str) -> ChatResult<()> {
        let room = self.room(room_id).await?;
        if room.id == LOBBY_ROOM_ID {
            return Err(bad_request("everyone is in the lobby: it cannot be left"));
        }
        if room.kind == RoomKind::Direct {
            return Err(bad_request("a direct conversation cannot be left"));
        }
        self.store.remove_member(&room.id, &who.sub).await?;
        // This process's cache said "member" (it never forgets one by
        // itself): without this, a send right after leaving would pass.
        lock(&self.memberships).remove(&(room.id.clone(), who.sub.clone()));
        Ok(())
    }
}
