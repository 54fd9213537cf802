//! Reactions (docs/protocol.md, "Reactions"): a member sets one of a small
//! fixed set of emoji on or off on a message. Each is a numbered change to
//! the message (the mechanism of edits and unsends, service/edits.rs), so
//! the room hears it live as `message_changed`, and a client that was away
//! gets it with the changes it resumes or polls from.

use moodchat_protocol::limits::{reaction_index, REACTION_MAX_USERS};
use moodchat_protocol::{Message, ServerEvent};

use super::ChatService;
use crate::error::{bad_request, conflict, not_found, ChatResult};
use crate::ids::is_ulid;
use crate::ports::{Identity, MessageChange};

impl ChatService {
    /// Adds (`on`) or removes the caller's reaction `emoji` on a message of
    /// a room they may write to, and returns the message as it now is.
    /// Asking for what is already so changes nothing (no change number, no
    /// announcement), so a repeated request is harmless.
    pub async fn react(&self, who: &Identity, room_id: &str, message_id: &str, emoji: &str, on: bool) -> ChatResult<Message> {
        if !is_ulid(message_id) {
            return Err(bad_request("`message_id` must be a message id"));
        }
        if reaction_index(emoji).is_none() {
            return Err(bad_request("`emoji` must be one of the reactions moodchat offers"));
        }
        let room = self.writable_room(who, room_id).await?;
        let mut message = self
            .store
            .message(&room.id, &message_id.to_ascii_uppercase())
            .await?
            .ok_or_else(|| not_found("no such message in this room"))?;
        if message.deleted_at.is_some() {
            return Err(conflict("this message was unsent"));
        }
        if message.reacted(emoji, &who.sub) == on {
            self.present(&mut message).await?;
            return Ok(message);
        }
        let full = message.reactions.iter().any(|r| r.emoji == emoji && r.users.len() >= REACTION_MAX_USERS);
        if on && full {
            return Err(conflict(format!("{REACTION_MAX_USERS} people have reacted with this emoji already")));
        }
        let change = MessageChange::React { emoji: emoji.to_string(), user: who.user_ref(), on };
        let announce = |changed: &Message| ServerEvent::MessageChanged { message: changed.clone() };
        self.commit_change(&room.id, &message.id, change, announce).await
    }
}
