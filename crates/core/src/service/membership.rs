//! Leaving a room and inviting someone into one (issue 17, "rooms people can
//! find"). Leaving takes only the caller's own membership; the room, its
//! messages and the other members stay. Everyone is in the lobby, and a
//! direct conversation is the one room two people share: neither can be
//! left, and nobody is invited into them (docs/protocol.md, "Rooms").

use moodchat_protocol::limits::LOBBY_ROOM_ID;
use moodchat_protocol::{RoomKind, ServerEvent, UserRef};

use super::{lock, ChatService};
use crate::error::{bad_request, forbidden, not_found, ChatResult};
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

    /// Mutes (or unmutes) room `room_id` for the caller, a member: it still
    /// counts unread, and the app never notifies of it. Any room a member is
    /// in can be muted, the lobby and direct conversations too.
    pub async fn set_muted(&self, who: &Identity, room_id: &str, muted: bool) -> ChatResult<()> {
        let room = self.room(room_id).await?;
        if self.store.set_muted(&room.id, &who.sub, muted).await? {
            Ok(())
        } else {
            Err(forbidden("only members mute a room"))
        }
    }

    /// The caller, a member of public room `room_id`, makes `user` (a sub or
    /// a username) a member: the room appears in their list, live on their
    /// open tabs, with everything before it read. Inviting a member changes
    /// nothing; either way the answer is the person invited.
    pub async fn invite(&self, who: &Identity, room_id: &str, user: &str) -> ChatResult<UserRef> {
        let room = self.writable_room(who, room_id).await?;
        if room.id == LOBBY_ROOM_ID {
            return Err(bad_request("everyone is in the lobby already"));
        }
        if room.kind == RoomKind::Direct {
            return Err(bad_request("a direct conversation is for two people: nobody can be invited"));
        }
        let invited = self.store.find_user(user.trim()).await?.ok_or_else(|| not_found(format!("no user {user:?}")))?;
        if self.store.is_member(&room.id, &invited.sub).await? {
            return Ok(invited);
        }
        self.store.add_member(&room.id, &invited.sub, self.clock.now_ms()).await?;
        // As a new direct conversation: live on their open tabs at once.
        self.fanout.registry().subscribe_user(&invited.sub, &room.id).await?;
        self.fanout.publish_to_user(&invited.sub, ServerEvent::RoomAdded { room: room.id.clone() }).await;
        self.fanout.presence(&room.id).await;
        Ok(invited)
    }
}
