//! Replies (docs/protocol.md, "Replies"): a message may name another
//! message of its room that it answers. Stores keep only that id; the quote
//! a reader sees (who wrote the original, the start of its text) is made
//! from the original as it is whenever the reply is read, so an edit of the
//! original shows in its quotes, and an unsent original's text is kept
//! nowhere: its quotes show it as deleted.

use moodchat_protocol::{Message, Quote, Room};

use super::ChatService;
use crate::error::{bad_request, conflict, not_found, ChatResult};
use crate::ids::is_ulid;
use crate::ports::MessageStore;

impl ChatService {
    /// The quote of `original`, a message of `room` a new message replies to.
    pub(super) async fn quote_for_reply(&self, room: &Room, original: &str) -> ChatResult<Quote> {
        if !is_ulid(original) {
            return Err(bad_request("`reply_to` must be a message id"));
        }
        let original = self
            .store
            .message(&room.id, &original.to_ascii_uppercase())
            .await?
            .ok_or_else(|| not_found("`reply_to` is not a message of this room"))?;
        if original.deleted_at.is_some() {
            return Err(conflict("the message replied to was unsent"));
        }
        Ok(Quote::of(&original))
    }

    /// A message as a reader gets it: the quote of the message it replies
    /// to made afresh, and its image URLs signed afresh.
    pub(super) async fn present(&self, message: &mut Message) -> ChatResult<()> {
        self.present_all(std::slice::from_mut(message)).await
    }

    /// `present` for a page: an original on the same page is not read again.
    pub(super) async fn present_all(&self, messages: &mut [Message]) -> ChatResult<()> {
        for at in 0..messages.len() {
            let original_id = messages[at].reply_to.as_ref().map(|quote| quote.id.clone());
            let on_page = original_id.as_ref().and_then(|id| messages.iter().find(|m| &m.id == id)).map(Quote::of);
            match on_page {
                Some(quote) => messages[at].reply_to = Some(quote),
                None => fill_quote(self.store.as_ref(), &mut messages[at]).await?,
            }
            self.refresh_image_urls(&mut messages[at]).await?;
        }
        Ok(())
    }
}

/// Makes `message`'s quote from its original as stored now. An unsent
/// reply quotes nothing; an original that cannot be found shows as deleted.
pub(crate) async fn fill_quote(store: &dyn MessageStore, message: &mut Message) -> ChatResult<()> {
    if message.deleted_at.is_some() {
        message.reply_to = None;
    }
    let Some(quote) = message.reply_to.as_mut() else { return Ok(()) };
    *quote = match store.message(&message.room, &quote.id).await? {
        Some(original) => Quote::of(&original),
        None => Quote { id: std::mem::take(&mut quote.id), deleted: true, ..Quote::default() },
    };
    Ok(())
}
