//! The connection and its timers: browser objects, kept in the arena
//! local to this thread.

use std::collections::HashMap;

use leptos::prelude::*;
use moodchat_protocol::UserRef;
use wasm_bindgen::prelude::*;
use web_sys::WebSocket;

use crate::chat::pacing::SendQueue;
use crate::chat::reconnect::Reconnect;

/// How long someone shows as typing after their last `typing` event.
pub(super) const TYPING_SHOWN_MS: f64 = 4000.0;
/// `typing` is sent at most this often per room (the server's own limit).
pub(super) const TYPING_EVERY_MS: f64 = 2000.0;
/// Polling: quick while the conversation is active, slowing down to the
/// idle interval when nothing happens.
pub(super) const POLL_ACTIVE_MS: f64 = 1500.0;
pub(super) const POLL_IDLE_MS: f64 = 15_000.0;
/// Polling refreshes the room list (unread counts of other rooms) every
/// this many polls.
pub(super) const ROOM_LIST_EVERY_POLLS: u32 = 5;

/// The connection and its timers; browser objects, so local to this thread.
pub(super) struct Link {
    pub(super) api_url: String,
    pub(super) ws_url: String,
    pub(super) machine: Reconnect,
    pub(super) owner: Owner,
    pub(super) socket: Option<WebSocket>,
    /// Bumped for every socket so events of a replaced one are ignored.
    pub(super) generation: u32,
    pub(super) handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    pub(super) heartbeat: Option<IntervalHandle>,
    /// Ping interval, from the server's idle timeout (`/config.json`).
    pub(super) heartbeat_ms: u64,
    /// Our sends, one at a time and paced; `send_timer` wakes it.
    pub(super) sends: SendQueue,
    pub(super) send_timer: Option<TimeoutHandle>,
    pub(super) retry: Option<TimeoutHandle>,
    pub(super) poll: Option<TimeoutHandle>,
    pub(super) poll_delay: f64,
    pub(super) polls: u32,
    /// Rooms this tab follows: joined on the socket, polled when polling.
    pub(super) subscribed: Vec<String>,
    pub(super) typing_sent: HashMap<String, f64>,
    pub(super) read_sent: HashMap<String, String>,
    pub(super) running: bool,
    /// Who the link is for, to forget their outbox on an explicit sign-out.
    pub(super) user: Option<UserRef>,
}

impl Link {
    pub(super) fn close_socket(&mut self) {
        if let Some(socket) = self.socket.take() {
            socket.set_onopen(None);
            socket.set_onmessage(None);
            socket.set_onclose(None);
            let _ = socket.close();
        }
        self.handlers.clear();
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.clear();
        }
    }

    pub(super) fn cancel_timers(&mut self) {
        for timer in [self.retry.take(), self.poll.take(), self.send_timer.take()].into_iter().flatten() {
            timer.clear();
        }
    }

    /// Sends a client frame (JSON text); false when the socket is not open.
    pub(super) fn send_frame(&self, frame: &str) -> bool {
        match &self.socket {
            Some(socket) if socket.ready_state() == WebSocket::OPEN => socket.send_with_str(frame).is_ok(),
            _ => false,
        }
    }
}
