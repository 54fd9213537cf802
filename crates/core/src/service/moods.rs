//! Corrections by the author: the sender of a message may say what its mood
//! really is. The rule lives here, behind the store port, so every home
//! (SQLite and the in-process hub, or DynamoDB and API Gateway) enforces it
//! the same way: only the author, only a message with text, and the model's
//! label is never overwritten (it is kept beside the author's, which is what
//! makes the pair worth exporting as training data).

use moodchat_protocol::{AuthorMood, Message, Mood, ServerEvent};

use super::ChatService;
use crate::error::{bad_request, conflict, ChatResult};
use crate::ports::{Identity, MessageChange};

impl ChatService {
    /// Sets (`Some`) or clears (`None`) the caller's mood of their own
    /// message, announces it to the room, and returns the message as it now
    /// is. A numbered change (docs/protocol.md, "Changes"), so resuming and
    /// polling clients get it too.
    pub async fn set_author_mood(
        &self,
        who: &Identity,
        room_id: &str,
        message_id: &str,
        mood: Option<Mood>,
    ) -> ChatResult<Message> {
        let (room, message) = self.own_message(who, room_id, message_id, "change the mood of").await?;
        if message.deleted_at.is_some() {
            return Err(conflict("this message was unsent"));
        }
        if message.text.is_empty() {
            return Err(bad_request("a message without text has no mood"));
        }
        let author_mood = mood.map(|label| AuthorMood { label, set_at: self.clock.now_ms() });
        let announce = |changed: &Message| ServerEvent::AuthorMood {
            room: changed.room.clone(),
            message_id: changed.id.clone(),
            author_mood: changed.author_mood,
            change: changed.change,
        };
        self.commit_change(&room.id, &message.id, MessageChange::AuthorMood(author_mood), announce).await
    }
}
