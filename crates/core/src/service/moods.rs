//! Corrections by the author: the sender of a message may say what its mood
//! really is. The rule lives here, behind the store port, so every home
//! (SQLite and the in-process hub, or DynamoDB and API Gateway) enforces it
//! the same way: only the author, only a message with text, and the model's
//! label is never overwritten (it is kept beside the author's, which is what
//! makes the pair worth exporting as training data).

use futures_channel::oneshot;
use moodchat_protocol::{AuthorMood, Message, Mood, ServerEvent};

use super::ChatService;
use crate::error::{bad_request, forbidden, internal, not_found, ChatResult};
use crate::ids::is_ulid;
use crate::ports::Identity;

impl ChatService {
    /// Sets (`Some`) or clears (`None`) the caller's mood of their own
    /// message, announces it to the room, and returns the message as it now
    /// is.
    pub async fn set_author_mood(
        &self,
        who: &Identity,
        room_id: &str,
        message_id: &str,
        mood: Option<Mood>,
    ) -> ChatResult<Message> {
        if !is_ulid(message_id) {
            return Err(bad_request("`message_id` must be a message id"));
        }
        let message_id = message_id.to_ascii_uppercase();
        let room = self.writable_room(who, room_id).await?;
        let mut message =
            self.store.message(&room.id, &message_id).await?.ok_or_else(|| not_found("no such message in this room"))?;
        // Senders never change, so checking before the write cannot race.
        if message.sender.sub != who.sub {
            return Err(forbidden("only the author can change the mood of a message"));
        }
        if message.text.is_empty() {
            return Err(bad_request("a message without text has no mood"));
        }
        let author_mood = mood.map(|label| AuthorMood { label, set_at: self.clock.now_ms() });
        // Written and announced by a spawned task, like a send (crate::commit):
        // a client that goes away mid-request must not leave a correction
        // stored but never announced to the room.
        let (answer, stored) = oneshot::channel();
        let (store, fanout, room_id) = (self.store.clone(), self.fanout.clone(), room.id.clone());
        self.spawner.spawn(Box::pin(async move {
            let outcome = store.set_author_mood(&room_id, &message_id, author_mood).await;
            if let Ok(true) = outcome {
                let event = ServerEvent::AuthorMood { room: room_id.clone(), message_id, author_mood };
                fanout.publish(&room_id, event, None).await;
            }
            let _ = answer.send(outcome);
        }));
        if !stored.await.map_err(|_| internal("the change was interrupted; try again"))?? {
            return Err(not_found("no such message in this room"));
        }
        message.author_mood = author_mood;
        self.refresh_image_urls(&mut message).await?;
        Ok(message)
    }
}
