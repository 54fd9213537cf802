//! The link's life: opening it in the current mode, the WebSocket and its
//! heartbeat, failures and back-off, the browser's network going and coming.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::WebSocket;

use super::{browser_online, live, Chat, Live};
use crate::chat::reconnect::{Mode, Next};
use crate::chat::wire;

impl Chat {
    pub(super) fn connect(self) {
        if self.link.with_value(|link| link.running) {
            leptos::task::spawn_local(live(self, Live::Connect));
        }
    }

    pub(super) fn connect_now(self) {
        if !self.link.with_value(|link| link.running) {
            return;
        }
        match self.mode() {
            Mode::WebSocket => self.open_socket(),
            Mode::Polling => {
                self.link.update_value(|link| link.machine.connecting());
                self.set_state();
                self.poll_soon(0.0);
            }
        }
    }

    /// The link failed: retry later, fall back to polling, or wait for the network.
    pub(super) fn link_failed(self) {
        self.forget_presence();
        let next = {
            let mut next = Next::WaitForNetwork;
            self.link.update_value(|link| {
                link.close_socket();
                link.sends.clear();
                next = link.machine.failed(browser_online(), js_sys::Math::random());
            });
            next
        };
        self.set_state();
        match next {
            Next::RetryIn(delay) => {
                let timer = set_timeout_with_handle(move || self.connect_now(), std::time::Duration::from_millis(delay as u64)).ok();
                self.link.update_value(|link| link.retry = timer);
            }
            Next::SwitchToPolling => self.connect_now(),
            Next::WaitForNetwork => {}
        }
    }

    pub(super) fn network_lost(self) {
        self.forget_presence();
        self.link.update_value(|link| link.machine.offline());
        self.set_state();
    }

    /// Who is online is unknown while the link is down: show nobody rather
    /// than people who may have left. Re-joining brings fresh presence.
    pub(super) fn forget_presence(&self) {
        self.timelines.with_value(|timelines| {
            for timeline in timelines.values() {
                if timeline.with_untracked(|timeline| !timeline.online.is_empty()) {
                    timeline.update(|timeline| timeline.online.clear());
                }
            }
        });
    }

    pub(super) fn network_back(self) {
        if !self.link.with_value(|link| link.running) {
            return;
        }
        self.link.update_value(|link| {
            link.cancel_timers();
            link.close_socket();
            link.sends.clear();
            link.machine.online();
        });
        self.set_state();
        self.connect();
    }

    // --- WebSocket -------------------------------------------------------

    pub(super) fn open_socket(self) {
        let Some(token) = self.id_token() else { return };
        let url = [self.link.with_value(|link| link.ws_url.clone()), "?token=".into(), crate::chat::api::encode(&token)].concat();
        let mut generation = 0;
        self.link.update_value(|link| {
            link.close_socket();
            link.machine.connecting();
            link.generation += 1;
            generation = link.generation;
        });
        self.set_state();
        let Ok(socket) = WebSocket::new(&url) else {
            self.link_failed();
            return;
        };
        let current = move || self.link.with_value(|link| link.generation == generation && link.running);
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if current() {
                self.socket_opened();
            }
        });
        let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            if current() {
                if let Some(text) = event.unchecked_into::<web_sys::MessageEvent>().data().as_string() {
                    self.receive(&text);
                }
            }
        });
        let on_close = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if current() {
                self.link_failed();
            }
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.link.update_value(|link| {
            link.socket = Some(socket);
            link.handlers = vec![on_open, on_message, on_close];
        });
    }

    pub(super) fn socket_opened(self) {
        let heartbeat = set_interval_with_handle(
            move || {
                self.link.with_value(|link| link.send_frame(r#"{"action":"ping"}"#));
            },
            std::time::Duration::from_millis(self.link.with_value(|link| link.heartbeat_ms)),
        )
        .ok();
        self.link.update_value(|link| {
            link.machine.connected();
            link.heartbeat = heartbeat;
        });
        self.set_state();
        // Re-join every followed room from the last message seen, so what
        // was said while away is replayed before anything live.
        let rooms = self.link.with_value(|link| link.subscribed.clone());
        for room in rooms {
            self.send_join(&room);
        }
        self.flush_outbox();
        self.refresh_rooms_now();
        if let Some(room) = self.open_room.get_untracked() {
            self.load_newest(room);
        }
    }

    pub(super) fn send_join(&self, room: &str) {
        // `changes` only once the room's history was read: it is what the
        // timeline is up to date with (docs/protocol.md, "Changes").
        let (since, changes) = self.timeline(room).with_untracked(|timeline| {
            (timeline.last_id().map(str::to_owned), timeline.loaded.then_some(timeline.changes))
        });
        let frame = wire::join_frame(room, since.as_deref(), changes);
        self.link.with_value(|link| link.send_frame(&frame));
    }
}
