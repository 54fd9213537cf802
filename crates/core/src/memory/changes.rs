//! Changes to messages in the in-memory store: the reference for the
//! numbering every store follows (docs/protocol.md, "Changes").

use moodchat_protocol::Message;

use super::StoreState;
use crate::ports::{Changed, MessageChange};

impl StoreState {
    /// Under the store's one lock: change numbers are handed out one at a
    /// time, and a message keeps only its latest.
    pub(super) fn change_message(&mut self, room_id: &str, message_id: &str, change: &MessageChange) -> Changed {
        let Some(seq) = self.by_id.get(&(room_id.to_string(), message_id.to_string())).copied() else {
            return Changed::Missing;
        };
        let Some(message) = self.messages.get_mut(room_id).and_then(|m| m.get_mut(&seq)) else {
            return Changed::Missing;
        };
        if message.deleted_at.is_some() {
            return Changed::AlreadyUnsent(message.clone());
        }
        let number = self.changes.entry(room_id.to_string()).or_default();
        *number += 1;
        change.apply(message);
        message.change = *number;
        Changed::Applied(message.clone())
    }

    pub(super) fn changed_since(&self, room_id: &str, after: u64, limit: u32) -> Vec<Message> {
        let Some(messages) = self.messages.get(room_id) else { return Vec::new() };
        let mut changed: Vec<Message> = messages.values().filter(|m| m.change > after).cloned().collect();
        changed.sort_by_key(|m| m.change);
        changed.truncate(limit as usize);
        changed
    }
}
