//! Edits and unsends by the author (docs/protocol.md, "Edit and unsend"),
//! and the one mechanism every change to an existing message goes through:
//! the store numbers it per room (apart from seqs, so it is never unread),
//! the room hears it live, and a client that was away asks for the changes
//! after the number it is up to date with.

use futures_channel::oneshot;
use moodchat_protocol::limits::EDIT_WINDOW_MS;
use moodchat_protocol::{Message, Room, ServerEvent};

use super::ChatService;
use crate::error::{bad_request, conflict, forbidden, internal, not_found, ChatResult};
use crate::ids::is_ulid;
use crate::images::BlobKey;
use crate::ports::{Changed, Identity, MessageChange};
use crate::validate;

impl ChatService {
    /// Replaces the text of the caller's own message, sent less than
    /// `EDIT_WINDOW_MS` ago. The model labels the new text; an author's
    /// mood correction of the old one is dropped.
    pub async fn edit_message(&self, who: &Identity, room_id: &str, message_id: &str, text: &str) -> ChatResult<Message> {
        let (room, message) = self.own_message(who, room_id, message_id, "edit").await?;
        if message.deleted_at.is_some() {
            return Err(conflict("this message was unsent"));
        }
        if self.clock.now_ms() - message.created_at > EDIT_WINDOW_MS {
            return Err(conflict("a message can only be edited within 24 hours of sending it"));
        }
        let image_key = message.image.as_ref().map(|image| image.key.as_str());
        let (text, _) = validate::message_body(Some(text), image_key)?;
        let sentiment = if text.is_empty() { None } else { self.sentiment.classify(&text).await };
        let change = MessageChange::Edit { text, sentiment, at: self.clock.now_ms() };
        let announce = |changed: &Message| ServerEvent::MessageChanged { message: changed.clone() };
        self.commit_change(&room.id, &message.id, change, announce).await
    }

    /// Unsends the caller's own message: its text, image (and thumbnail)
    /// and moods are removed from storage, for everyone. Unsending an unsent
    /// message changes nothing and answers the same.
    pub async fn unsend_message(&self, who: &Identity, room_id: &str, message_id: &str) -> ChatResult<Message> {
        let (room, message) = self.own_message(who, room_id, message_id, "unsend").await?;
        if message.deleted_at.is_some() {
            return Ok(message);
        }
        let change = MessageChange::Unsend { at: self.clock.now_ms() };
        let announce = |changed: &Message| ServerEvent::MessageChanged { message: changed.clone() };
        let unsent = self.commit_change(&room.id, &message.id, change, announce).await?;
        if let (Some(image), Some(images)) = (&message.image, &self.images) {
            if let Some(key) = BlobKey::parse(&image.key) {
                images.catalog.remove_image(&key).await?;
            }
        }
        Ok(unsent)
    }

    /// Messages of the room changed after change number `after`, in change
    /// order, and the number the caller is then up to date with. Read the
    /// room's number first: whatever changes meanwhile is numbered above it
    /// and comes next time.
    pub async fn changes_after(
        &self,
        who: &Identity,
        room_id: &str,
        after: u64,
        limit: u32,
    ) -> ChatResult<(Vec<Message>, u64)> {
        self.readable_room(who, room_id).await?;
        let latest = self.store.change_number(room_id).await?;
        if after >= latest {
            // A number from the future (a reset database) starts over at
            // the room's.
            return Ok((Vec::new(), latest));
        }
        let mut changed = self.store.changed_since(room_id, after, limit + 1).await?;
        let complete = changed.len() <= limit as usize;
        changed.truncate(limit as usize);
        let last = changed.last().map_or(after, |m| m.change);
        self.present_all(&mut changed).await?;
        Ok((changed, if complete { last.max(latest) } else { last }))
    }

    /// The room's latest change number, for a reader about to read messages.
    pub async fn change_number(&self, room_id: &str) -> ChatResult<u64> {
        self.store.change_number(room_id).await
    }

    /// A message of a room the caller may write to, which the caller sent.
    pub(super) async fn own_message(
        &self,
        who: &Identity,
        room_id: &str,
        message_id: &str,
        what: &str,
    ) -> ChatResult<(Room, Message)> {
        if !is_ulid(message_id) {
            return Err(bad_request("`message_id` must be a message id"));
        }
        let room = self.writable_room(who, room_id).await?;
        let message = self
            .store
            .message(&room.id, &message_id.to_ascii_uppercase())
            .await?
            .ok_or_else(|| not_found("no such message in this room"))?;
        // Senders never change, so checking before the write cannot race.
        if message.sender.sub != who.sub {
            return Err(forbidden(format!("only the author can {what} a message")));
        }
        Ok((room, message))
    }

    /// Stores a change and announces it to the room, on a spawned task like
    /// a send (crate::commit): a client that goes away mid-request must not
    /// leave a change stored but never announced. Returns the message as it
    /// now is, its image URLs signed afresh.
    pub(super) async fn commit_change(
        &self,
        room_id: &str,
        message_id: &str,
        change: MessageChange,
        announce: impl FnOnce(&Message) -> ServerEvent + Send + 'static,
    ) -> ChatResult<Message> {
        let (answer, stored) = oneshot::channel();
        let (store, fanout) = (self.store.clone(), self.fanout.clone());
        let (room_id, message_id) = (room_id.to_string(), message_id.to_string());
        self.spawner.spawn(Box::pin(async move {
            let mut outcome = store.change_message(&room_id, &message_id, &change).await;
            if let Ok(Changed::Applied(message)) = &mut outcome {
                // Readers replace their copy with this one: it needs its
                // quote. Announced even if the original cannot be read
                // now: the change is stored, and the next read quotes it.
                let _ = super::replies::fill_quote(store.as_ref(), message).await;
                fanout.publish(&room_id, announce(message), None).await;
            }
            let _ = answer.send(outcome);
        }));
        let outcome = stored.await.map_err(|_| internal("the change was interrupted; try again"))??;
        let mut message = match outcome {
            Changed::Applied(message) => message,
            Changed::Missing => return Err(not_found("no such message in this room")),
            // Unsent meanwhile: nothing else may change it.
            Changed::AlreadyUnsent(_) => return Err(conflict("this message was unsent")),
        };
        self.present(&mut message).await?;
        Ok(message)
    }
}
