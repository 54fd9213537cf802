//! The polling transport, used only when WebSockets fail (or the
//! configuration asks for it): a chunk of its own.

use leptos::prelude::*;

use super::link::{POLL_ACTIVE_MS, POLL_IDLE_MS, ROOM_LIST_EVERY_POLLS};
use super::Chat;
use crate::chat::api::ApiError;
use crate::chat::reconnect::Mode;
use crate::chat::store::Pending;

impl Chat {
    // --- polling ---------------------------------------------------------

    pub(super) fn poll_soon(self, delay: f64) {
        let timer = set_timeout_with_handle(move || self.poll_once(), std::time::Duration::from_millis(delay as u64)).ok();
        self.link.update_value(|link| {
            if let Some(previous) = std::mem::replace(&mut link.poll, timer) {
                previous.clear();
            }
        });
    }

    /// One round of polling: sends what is pending, fetches what is new in
    /// every followed room, then schedules the next round.
    pub(super) fn poll_once(self) {
        leptos::task::spawn_local(polling(self, Polling::Round));
    }

    pub(super) async fn poll_round(self) {
        let Some(api) = self.api() else { return };
        let rooms = self.link.with_value(|link| link.subscribed.clone());
        let mut reachable = true;
        let mut news = 0;
        for room in rooms {
            let timeline = self.timeline(&room);
            // Rooms not opened yet are left to the room list's refresh.
            // An empty room has no cursor yet: its newest page is polled.
            let Some(mut after) = timeline.with_untracked(|t| t.loaded.then(|| t.after.clone())) else {
                continue;
            };
            loop {
                let changes = timeline.with_untracked(|t| t.changes);
                match api.messages(&room, None, after.as_deref(), Some(changes)).await {
                    Ok(page) => {
                        let count = page.messages.len() + page.changed.len();
                        for message in page.messages {
                            self.received_message(message);
                        }
                        // Changes to older messages (edits, unsends, moods).
                        for message in page.changed {
                            self.changed_message(message);
                        }
                        if page.changes != changes {
                            timeline.update(|t| t.changes = page.changes);
                        }
                        news += count;
                        if page.after.is_some() {
                            after = page.after;
                        }
                        if timeline.with_untracked(|t| t.after != after) {
                            timeline.update(|t| t.after = after.clone());
                        }
                        if after.is_none() || count < moodchat_protocol::limits::DEFAULT_PAGE_LIMIT as usize {
                            break;
                        }
                    }
                    Err(error) => {
                        reachable = !matches!(error, ApiError::Network) && !error.is_retryable();
                        break;
                    }
                }
            }
        }
        if !self.link.with_value(|link| link.running && link.machine.mode() == Mode::Polling) {
            return;
        }
        if !reachable {
            self.link_failed();
            return;
        }
        let first = self.link.with_value(|link| !link.machine.is_connected());
        let polls = self.link.try_update_value(|link| {
            link.machine.connected();
            link.polls += 1;
            link.poll_delay = if news > 0 { POLL_ACTIVE_MS } else { (link.poll_delay * 1.5).min(POLL_IDLE_MS) };
            link.polls
        });
        self.set_state();
        if first {
            self.flush_outbox();
            if let Some(room) = self.open_room.get_untracked() {
                self.load_newest(room);
            }
        }
        if polls.unwrap_or(0) % ROOM_LIST_EVERY_POLLS == 0 {
            self.refresh_rooms_now();
        }
        let delay = self.link.with_value(|link| link.poll_delay);
        self.poll_soon(delay);
    }
}

/// What the polling transport is asked to do (see `polling`).
pub(super) enum Polling {
    /// One round: what is new in every followed room, then the next round.
    Round,
    /// One of our messages, sent over REST.
    Send(Pending),
}

split_fn! { polling:
    /// The polling transport is only used when WebSockets fail (or the
    /// configuration asks for it): it is a chunk of its own.
    pub(super) async fn polling(chat: Chat, job: Polling) {
        match job {
            Polling::Round => chat.poll_round().await,
            Polling::Send(pending) => chat.send_polled(pending).await,
        }
    }
}
