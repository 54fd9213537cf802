//! Our sends: pending in the timeline at once, kept in the outbox until
//! acknowledged, and handed to the link one at a time, paced under the
//! server's rate limit (`pacing`).

use leptos::prelude::*;
use web_sys::WebSocket;

use super::link::POLL_ACTIVE_MS;
use super::polling::{polling, Polling};
use super::{live, Chat, Live};
use crate::chat::api::ApiError;
use crate::chat::outbox;
use crate::chat::pacing::Step;
use crate::chat::reconnect::Mode;
use crate::chat::store::{Pending, SendState, Timeline};
use crate::chat::wire;

/// An operation on the send queue (see `Chat::sends`).
enum SendOp<'a> {
    Push(&'a str),
    /// The next step, if the link is up.
    Next,
    Answered(&'a str),
    Throttled(&'a str),
    Clear,
}

impl Chat {
    // --- sending ---------------------------------------------------------

    /// Sends `text` (and an uploaded image) to `room`, as a reply to the
    /// message the room's `replying` names if any: pending at once, then
    /// confirmed by the ack.
    pub fn send(self, room: &str, text: &str, image_key: Option<String>) {
        let Some(me) = self.me() else { return };
        if self.timeline(room).with_untracked(|timeline| timeline.missing) {
            return;
        }
        let reply_to = self.timeline(room).try_update(|timeline| timeline.replying.take()).flatten();
        let pending = Pending {
            client_id: outbox::new_client_id(),
            room: room.to_owned(),
            sender: me,
            text: text.to_owned(),
            image_key,
            reply_to,
            created_at: js_sys::Date::now() as i64,
            state: SendState::Sending,
        };
        self.timeline(room).update(|timeline| timeline.add_pending(pending.clone()));
        self.save_outbox();
        self.link.update_value(|link| link.poll_delay = POLL_ACTIVE_MS);
        self.queue_send(&pending.client_id);
    }

    /// Sends a failed message again, with the same `client_id`.
    pub fn retry(self, room: &str, client_id: &str) {
        leptos::task::spawn_local(live(self, Live::Retry { room: room.to_owned(), client_id: client_id.to_owned() }));
    }

    pub(super) fn retry_now(self, room: &str, client_id: &str) {
        let timeline = self.timeline(room);
        timeline.update(|timeline| {
            timeline.set_send_state(client_id, SendState::Sending);
        });
        self.save_outbox();
        self.queue_send(client_id);
    }

    /// Puts a send in the queue and sends what may go now.
    pub(super) fn queue_send(self, client_id: &str) {
        self.sends(SendOp::Push(client_id));
        self.pump_sends();
    }

    /// Every operation on the send queue goes through this one call: each
    /// closure given to the link's `update_value` is compiled on its own,
    /// and one call site instead of seven keeps the bundle small.
    fn sends(&self, op: SendOp) -> Step {
        let now = js_sys::Date::now();
        self.link
            .try_update_value(|link| {
                let sends = &mut link.sends;
                match op {
                    SendOp::Push(client_id) => sends.push(client_id),
                    SendOp::Answered(client_id) => sends.answered(client_id),
                    SendOp::Throttled(client_id) => sends.throttled(client_id, now),
                    SendOp::Clear => sends.clear(),
                    SendOp::Next => {
                        let up = match link.machine.mode() {
                            Mode::WebSocket => link.socket.as_ref().is_some_and(|socket| socket.ready_state() == WebSocket::OPEN),
                            Mode::Polling => link.machine.is_connected(),
                        };
                        // When the link is down, everything unsent is queued again once it is back.
                        return if up { sends.next(now) } else { Step::Idle };
                    }
                }
                Step::Idle
            })
            .unwrap_or(Step::Idle)
    }

    /// Sends the next queued message if the link is up, the one before it
    /// has been answered and the pace allows; otherwise wakes up when it will.
    pub(super) fn pump_sends(self) {
        loop {
            match self.sends(SendOp::Next) {
                Step::Send(client_id) => match self.pending_send(&client_id) {
                    Some(pending) => {
                        self.transmit(pending);
                        return;
                    }
                    // Confirmed or failed meanwhile: on to the next one.
                    None => {
                        self.sends(SendOp::Answered(&client_id));
                    }
                },
                Step::WaitMs(delay) => {
                    let timer = set_timeout_with_handle(move || self.pump_sends(), std::time::Duration::from_millis(delay.ceil() as u64)).ok();
                    self.link.update_value(|link| {
                        if let Some(previous) = std::mem::replace(&mut link.send_timer, timer) {
                            previous.clear();
                        }
                    });
                    return;
                }
                Step::Idle => return,
            }
        }
    }

    /// The unsent message with `client_id`, if it is still waiting to go.
    pub(super) fn pending_send(&self, client_id: &str) -> Option<Pending> {
        let timelines: Vec<RwSignal<Timeline>> = self.timelines.with_value(|timelines| timelines.values().copied().collect());
        timelines.into_iter().find_map(|timeline| {
            timeline.with_untracked(|t| t.pending.iter().find(|p| p.client_id == client_id && p.state == SendState::Sending).cloned())
        })
    }

    /// The server answered a send of ours: the next one may go.
    pub(super) fn answered(self, client_id: &str) {
        self.sends(SendOp::Answered(client_id));
        self.pump_sends();
    }

    /// The server refused a send as too fast: it goes again, still before
    /// anything written after it, once the server's bucket has refilled.
    pub(super) fn throttled(self, client_id: &str) {
        self.sends(SendOp::Throttled(client_id));
        self.pump_sends();
    }

    /// Hands one send to the link. When the link is down it stays pending
    /// in the outbox and goes out on reconnect.
    pub(super) fn transmit(self, pending: Pending) {
        match self.mode() {
            Mode::WebSocket => {
                let frame = wire::object(&[
                    ("action", Some("sendMessage")),
                    ("room", Some(&pending.room)),
                    ("client_id", Some(&pending.client_id)),
                    ("text", Some(&pending.text)),
                    ("image_key", pending.image_key.as_deref()),
                    ("reply_to", pending.reply_to.as_ref().map(|quote| quote.id.as_str())),
                ]);
                self.link.with_value(|link| link.send_frame(&frame));
            }
            Mode::Polling => leptos::task::spawn_local(polling(self, Polling::Send(pending))),
        }
    }

    /// A send over REST, when polling.
    pub(super) async fn send_polled(self, pending: Pending) {
        let Some(api) = self.api() else { return };
        match api.send(&pending).await {
            Ok(message) => self.received_message(message),
            // Unreachable: the next poll notices, and the
            // outbox is queued again once it is back.
            Err(ApiError::Network) => {
                self.sends(SendOp::Clear);
            }
            // Too fast (429) or a passing server error: again, after a pause.
            Err(error) if error.is_retryable() => self.throttled(&pending.client_id),
            Err(_) => self.send_failed(&pending.client_id),
        }
    }

    /// Queues everything still pending (after a reconnect, or a reload) in
    /// place of what was queued before: each room's in the order written,
    /// which is the order that matters (rooms do not share an order).
    pub(super) fn flush_outbox(self) {
        let pending: Vec<String> = self.timelines.with_value(|timelines| {
            timelines
                .values()
                .flat_map(|timeline| {
                    timeline.with_untracked(|t| {
                        t.pending.iter().filter(|p| p.state == SendState::Sending).map(|p| p.client_id.clone()).collect::<Vec<_>>()
                    })
                })
                .collect()
        });
        self.sends(SendOp::Clear);
        for client_id in &pending {
            self.sends(SendOp::Push(client_id));
        }
        self.pump_sends();
    }

    pub(super) fn send_failed(&self, client_id: &str) {
        let timelines: Vec<RwSignal<Timeline>> = self.timelines.with_value(|timelines| timelines.values().copied().collect());
        for timeline in timelines {
            if timeline.with_untracked(|t| t.pending.iter().any(|p| p.client_id == client_id)) {
                timeline.update(|t| {
                    t.set_send_state(client_id, SendState::Failed);
                });
            }
        }
        self.save_outbox();
        self.answered(client_id);
    }

    pub(super) fn save_outbox(&self) {
        let Some(me) = self.me() else { return };
        let pending: Vec<Pending> = self.timelines.with_value(|timelines| {
            timelines.values().flat_map(|timeline| timeline.with_untracked(|t| t.pending.clone())).collect()
        });
        outbox::save(&me, &pending);
    }
}
