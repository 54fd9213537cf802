//! The chat client of this tab: one link to the server (a WebSocket, or
//! polling), the room list and every room's timeline, shared through context
//! so the room list and the room view read the same state.
//!
//! One module per job: `link` (the connection's browser objects and timers),
//! `socket` (opening the WebSocket, reconnects, the network going and
//! coming), `events` (what the server says), `rooms` (the room list, opening
//! a room, history, read markers), `sending` (the send queue and the
//! outbox), `polling` (the fallback transport).
//!
//! The link follows the `Reconnect` state machine: back-off with jitter,
//! re-join with `since` after every reconnect so nothing is missed, and
//! `auto` falling back to polling when WebSockets never open. Sends go to the
//! timeline as pending at once, are kept in the outbox until acknowledged,
//! and are sent again (idempotent by `client_id`) whenever the link returns,
//! one at a time and paced under the server's rate limit (`pacing`).

mod events;
mod link;
mod polling;
mod rooms;
mod sending;
mod socket;

use std::collections::HashMap;

use leptos::prelude::*;
use moodchat_protocol::{RoomSummary, RuntimeConfig, UserRef};

use super::api::Api;
use super::outbox;
use super::pacing::SendQueue;
use super::reconnect::{heartbeat_ms, Mode, Reconnect};
use super::store::Timeline;
use crate::auth::{use_auth, Auth};
use crate::connection::{use_connection, Connection};
use crate::split::{first_screen, FirstScreen};
use link::{Link, POLL_ACTIVE_MS};

/// The chat state of this tab (cheap to copy; the parts live in the arena).
#[derive(Clone, Copy)]
pub struct Chat {
    /// The caller's rooms, most recent activity first; kept live by events.
    pub rooms: RwSignal<Vec<RoomSummary>>,
    /// The room on screen: it gets read markers and no unread count.
    pub open_room: RwSignal<Option<String>>,
    /// An older page is being loaded for the open room.
    pub loading_older: RwSignal<bool>,
    timelines: StoredValue<HashMap<String, RwSignal<Timeline>>>,
    link: StoredValue<Link, LocalStorage>,
    auth: Auth,
    connection: Connection,
    first_screen: FirstScreen,
}

/// Creates the chat client for the app's routes; it connects while someone
/// is signed in and disconnects on sign-out.
pub fn provide_chat() -> Chat {
    let config = expect_context::<RuntimeConfig>();
    let chat = new_chat(&config, use_auth(), use_connection(), first_screen());
    provide_context(chat);
    // The live link starts once the first screen is painted: a room's first
    // messages come over REST (`load_newest`), and its chunk then never
    // queues in front of them.
    Effect::new(move |_| {
        if !chat.auth.signed_in.get() {
            chat.stop();
        } else if chat.first_screen.shown() {
            chat.start();
        }
    });
    let _ = window_event_listener_untyped("online", move |_| leptos::task::spawn_local(live(chat, Live::NetworkBack)));
    let _ = window_event_listener_untyped("offline", move |_| leptos::task::spawn_local(live(chat, Live::NetworkLost)));
    chat
}

pub fn use_chat() -> Chat {
    expect_context::<Chat>()
}

fn new_chat(config: &RuntimeConfig, auth: Auth, connection: Connection, first_screen: FirstScreen) -> Chat {
    let link = Link {
        api_url: config.api_url.clone(),
        ws_url: config.ws_url.clone(),
        machine: Reconnect::new(config.transport),
        owner: Owner::current().unwrap_or_default(),
        socket: None,
        generation: 0,
        handlers: Vec::new(),
        heartbeat: None,
        heartbeat_ms: heartbeat_ms(config.ws_idle_timeout_secs),
        sends: SendQueue::new(js_sys::Date::now()),
        send_timer: None,
        retry: None,
        poll: None,
        poll_delay: POLL_ACTIVE_MS,
        polls: 0,
        subscribed: Vec::new(),
        typing_sent: HashMap::new(),
        read_sent: HashMap::new(),
        running: false,
        user: None,
    };
    Chat {
        rooms: RwSignal::new(Vec::new()),
        open_room: RwSignal::new(None),
        loading_older: RwSignal::new(false),
        timelines: StoredValue::new(HashMap::new()),
        link: StoredValue::new_local(link),
        auth,
        connection,
        first_screen,
    }
}

fn browser_online() -> bool {
    web_sys::window().is_none_or(|window| window.navigator().on_line())
}

impl Chat {
    /// The one place the chat reads the session: the current ID token.
    fn id_token(&self) -> Option<String> {
        self.auth.session.with_untracked(|session| session.as_ref().map(|session| session.id_token.clone()))
    }

    /// Who is signed in, as the server knows them.
    pub fn me(&self) -> Option<UserRef> {
        self.auth.session.with_untracked(|session| {
            session.as_ref().map(|session| UserRef { sub: session.user.sub.clone(), name: session.user.name.clone() })
        })
    }

    pub fn api(&self) -> Option<Api> {
        Some(Api { base: self.link.with_value(|link| link.api_url.clone()), token: self.id_token()? })
    }

    /// The timeline of `room`, created empty the first time it is asked for.
    pub fn timeline(&self, room: &str) -> RwSignal<Timeline> {
        if let Some(timeline) = self.timelines.with_value(|timelines| timelines.get(room).copied()) {
            return timeline;
        }
        let owner = self.link.with_value(|link| link.owner.clone());
        let timeline = owner.with(|| RwSignal::new(Timeline::default()));
        self.timelines.update_value(|timelines| {
            timelines.insert(room.to_owned(), timeline);
        });
        timeline
    }

    fn set_state(&self) {
        let state = self.link.with_value(|link| link.machine.state());
        if self.connection.0.get_untracked() != state {
            self.connection.0.set(state);
        }
    }

    pub fn mode(&self) -> Mode {
        self.link.with_value(|link| link.machine.mode())
    }

    // --- lifecycle -------------------------------------------------------

    fn start(self) {
        if self.link.with_value(|link| link.running) {
            return;
        }
        self.link.update_value(|link| link.running = true);
        let me = self.me();
        self.link.update_value(|link| link.user = me.clone());
        if let Some(me) = me {
            for pending in outbox::load(&me) {
                self.timeline(&pending.room).update(|timeline| timeline.add_pending(pending));
            }
        }
        self.subscribe(moodchat_protocol::limits::LOBBY_ROOM_ID);
        self.refresh_rooms();
        self.connect();
    }

    fn stop(self) {
        // Signed out on purpose: unsent messages are forgotten with the
        // drafts (someone else may use this browser next). A session that
        // expired keeps them, to be sent after signing in again.
        let user = self.link.try_update_value(|link| link.user.take()).flatten();
        if let Some(user) = user.filter(|_| !self.auth.expired.get_untracked()) {
            outbox::save(&user, &[]);
        }
        self.link.update_value(|link| {
            link.running = false;
            link.close_socket();
            link.cancel_timers();
            link.sends.clear();
            link.machine.stop();
            link.subscribed.clear();
            link.read_sent.clear();
        });
        self.timelines.update_value(HashMap::clear);
        self.rooms.set(Vec::new());
        self.set_state();
    }

}

/// Asks the live part of the client to do `job`, once the first screen is
/// painted: before, its chunk would share the link with what that screen
/// needs (a message list that scrolls to the bottom asks to mark the room
/// read and to load older messages as it mounts).
async fn live(chat: Chat, job: Live) {
    chat.first_screen.painted().await;
    live_job(chat, job).await;
}

/// What the live part of the client is asked to do (see `live`).
enum Live {
    /// Open the link in the current mode.
    Connect,
    /// The browser lost, or found, the network.
    NetworkLost,
    NetworkBack,
    /// Join a room just followed (when the socket is open).
    Join(String),
    /// Reload the room list.
    RefreshRooms,
    /// Move our read marker in a room to its newest message.
    MarkRead(String),
    /// Send a failed message again.
    Retry { room: String, client_id: String },
    /// Load the page before the oldest message shown.
    LoadOlder(String),
    /// Find the first unread message of a room just opened (`unread`).
    FirstUnread { room: String, unread: u32 },
}

split_fn! { room_tools:
    /// The live part of the client is in the `room_tools` chunk: the
    /// WebSocket and its reconnects, the server's events, sending and the
    /// outbox, read markers, the room list's refresh and older pages. A
    /// room's first messages come over REST (`load_newest`) and do not wait
    /// for it; it starts once they are painted (see `live`).
    fn live_job(chat: Chat, job: Live) {
        match job {
            Live::Connect => chat.connect_now(),
            Live::NetworkLost => chat.network_lost(),
            Live::NetworkBack => chat.network_back(),
            Live::Join(room) => chat.send_join(&room),
            Live::RefreshRooms => chat.refresh_rooms_now(),
            Live::MarkRead(room) => chat.mark_read_now(&room),
            Live::Retry { room, client_id } => chat.retry_now(&room, &client_id),
            Live::LoadOlder(room) => chat.load_older_now(room),
            Live::FirstUnread { room, unread } => chat.find_first_unread(room, unread),
        }
    }
}
