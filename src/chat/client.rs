//! The chat client of this tab: one link to the server (a WebSocket, or
//! polling), the room list and every room's timeline, shared through context
//! so the room list and the room view read the same state.
//!
//! The link follows the `Reconnect` state machine: back-off with jitter,
//! re-join with `since` after every reconnect so nothing is missed, and
//! `auto` falling back to polling when WebSockets never open. Sends go to the
//! timeline as pending at once, are kept in the outbox until acknowledged,
//! and are sent again (idempotent by `client_id`) whenever the link returns,
//! one at a time and paced under the server's rate limit (`pacing`).

use std::collections::HashMap;

use leptos::prelude::*;
use moodchat_protocol::{Message, RoomSummary, RuntimeConfig, UserRef};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::WebSocket;

use super::api::Api;
use super::outbox;
use super::pacing::{SendQueue, Step};
use super::reconnect::{heartbeat_ms, Mode, Next, Reconnect};
use super::store::{Pending, SendState, Timeline};
use super::wire::{self, Event};
use crate::auth::{use_auth, Auth};
use crate::connection::{use_connection, Connection};

/// How long someone shows as typing after their last `typing` event.
const TYPING_SHOWN_MS: f64 = 4000.0;
/// `typing` is sent at most this often per room (the server's own limit).
const TYPING_EVERY_MS: f64 = 2000.0;
/// Polling: quick while the conversation is active, slowing down to the
/// idle interval when nothing happens.
const POLL_ACTIVE_MS: f64 = 1500.0;
const POLL_IDLE_MS: f64 = 15_000.0;
/// Polling refreshes the room list (unread counts of other rooms) every
/// this many polls.
const ROOM_LIST_EVERY_POLLS: u32 = 5;

/// An operation on the send queue (see `Chat::sends`).
enum SendOp<'a> {
    Push(&'a str),
    /// The next step, if the link is up.
    Next,
    Answered(&'a str),
    Throttled(&'a str),
    Clear,
}

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
}

/// The connection and its timers; browser objects, so local to this thread.
struct Link {
    api_url: String,
    ws_url: String,
    machine: Reconnect,
    owner: Owner,
    socket: Option<WebSocket>,
    /// Bumped for every socket so events of a replaced one are ignored.
    generation: u32,
    handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    heartbeat: Option<IntervalHandle>,
    /// Ping interval, from the server's idle timeout (`/config.json`).
    heartbeat_ms: u64,
    /// Our sends, one at a time and paced; `send_timer` wakes it.
    sends: SendQueue,
    send_timer: Option<TimeoutHandle>,
    retry: Option<TimeoutHandle>,
    poll: Option<TimeoutHandle>,
    poll_delay: f64,
    polls: u32,
    /// Rooms this tab follows: joined on the socket, polled when polling.
    subscribed: Vec<String>,
    typing_sent: HashMap<String, f64>,
    read_sent: HashMap<String, String>,
    running: bool,
    /// Who the link is for, to forget their outbox on an explicit sign-out.
    user: Option<UserRef>,
}

impl Link {
    fn close_socket(&mut self) {
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

    fn cancel_timers(&mut self) {
        for timer in [self.retry.take(), self.poll.take(), self.send_timer.take()].into_iter().flatten() {
            timer.clear();
        }
    }

    /// Sends a client frame (JSON text); false when the socket is not open.
    fn send_frame(&self, frame: &str) -> bool {
        match &self.socket {
            Some(socket) if socket.ready_state() == WebSocket::OPEN => socket.send_with_str(frame).is_ok(),
            _ => false,
        }
    }
}

/// Creates the chat client for the app's routes; it connects while someone
/// is signed in and disconnects on sign-out.
pub fn provide_chat() -> Chat {
    let config = expect_context::<RuntimeConfig>();
    let chat = new_chat(&config, use_auth(), use_connection());
    provide_context(chat);
    Effect::new(move |_| {
        if chat.auth.signed_in.get() {
            chat.start();
        } else {
            chat.stop();
        }
    });
    let _ = window_event_listener_untyped("online", move |_| leptos::task::spawn_local(live(chat, Live::NetworkBack)));
    let _ = window_event_listener_untyped("offline", move |_| leptos::task::spawn_local(live(chat, Live::NetworkLost)));
    chat
}

pub fn use_chat() -> Chat {
    expect_context::<Chat>()
}

fn new_chat(config: &RuntimeConfig, auth: Auth, connection: Connection) -> Chat {
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

    /// Opens the link in the current mode.
    fn connect(self) {
        if self.link.with_value(|link| link.running) {
            leptos::task::spawn_local(live(self, Live::Connect));
        }
    }

    fn connect_now(self) {
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
    fn link_failed(self) {
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

    fn network_lost(self) {
        self.forget_presence();
        self.link.update_value(|link| link.machine.offline());
        self.set_state();
    }

    /// Who is online is unknown while the link is down: show nobody rather
    /// than people who may have left. Re-joining brings fresh presence.
    fn forget_presence(&self) {
        self.timelines.with_value(|timelines| {
            for timeline in timelines.values() {
                if timeline.with_untracked(|timeline| !timeline.online.is_empty()) {
                    timeline.update(|timeline| timeline.online.clear());
                }
            }
        });
    }

    fn network_back(self) {
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

    fn open_socket(self) {
        let Some(token) = self.id_token() else { return };
        let url = [self.link.with_value(|link| link.ws_url.clone()), "?token=".into(), super::api::encode(&token)].concat();
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

    fn socket_opened(self) {
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

    fn send_join(&self, room: &str) {
        let since = self.timeline(room).with_untracked(|timeline| timeline.last_id().map(str::to_owned));
        let frame = wire::object(&[("action", Some("join")), ("room", Some(room)), ("since", since.as_deref())]);
        self.link.with_value(|link| link.send_frame(&frame));
    }

    /// One server event.
    fn receive(self, text: &str) {
        let Some(event) = wire::event(text) else { return };
        match event {
            Event::Message(message) => self.received_message(message),
            Event::Ack { client_id, id, room } => {
                self.timeline(&room).update(|timeline| timeline.acknowledge(&client_id, &id));
                self.save_outbox();
                self.answered(&client_id);
            }
            Event::Presence { room, online } => self.timeline(&room).update(|timeline| timeline.online = online),
            Event::Typing { room, user } => {
                if Some(&user.sub) != self.me().as_ref().map(|me| &me.sub) {
                    let until = js_sys::Date::now() + TYPING_SHOWN_MS;
                    self.timeline(&room).update(|timeline| timeline.typing_from(user, until));
                }
            }
            Event::Read { room, user, message_id } => {
                if self.me().is_some_and(|me| me.sub == user.sub) {
                    self.set_unread(&room, 0);
                }
                self.timeline(&room).update(|timeline| timeline.read_by(user, message_id));
            }
            Event::AuthorMood { room, message_id, author_mood } => {
                self.timeline(&room).update(|timeline| {
                    timeline.set_author_mood(&message_id, author_mood);
                });
            }
            Event::SendFailed { client_id } => self.send_failed(&client_id),
            Event::SendThrottled { client_id } => self.throttled(&client_id),
            Event::Joined { room } | Event::RoomAdded { room } => {
                // A public room joined by opening its link is a member's
                // room now, and a direct conversation someone started with
                // us is ours: list it (with its name, for the title) at once.
                if !self.rooms.with_untracked(|rooms| rooms.iter().any(|summary| summary.room.id == room)) {
                    self.refresh_rooms_now();
                }
            }
            Event::Other => {}
        }
    }

    /// A message from the server (live, replayed, polled or our own echo).
    fn received_message(self, message: Message) {
        let room = message.room.clone();
        let mine = self.me().is_some_and(|me| me.sub == message.sender.sub);
        let mut was_pending = false;
        let new = self.timeline(&room).try_update(|timeline| {
            was_pending = timeline.pending.iter().any(|p| p.client_id == message.client_id);
            timeline.typing.retain(|(user, _)| user.sub != message.sender.sub);
            timeline.insert(message.clone()) == super::store::Inserted::New
        });
        if was_pending {
            self.save_outbox();
            self.answered(&message.client_id);
        }
        // Our own message is usually known already (its ack comes before
        // its echo) but is still news for the room list.
        let newest = self.rooms.with_untracked(|rooms| {
            rooms.iter().any(|s| s.room.id == room && s.last_message.as_ref().is_none_or(|last| last.id < message.id))
        });
        if new == Some(true) || newest {
            let mut unknown_room = false;
            let counts = new == Some(true) && !mine && self.open_room.get_untracked().as_deref() != Some(room.as_str());
            self.rooms.update(|rooms| {
                if let Some(index) = rooms.iter().position(|summary| summary.room.id == room) {
                    let mut summary = rooms.remove(index);
                    if summary.last_message.as_ref().is_none_or(|last| last.id < message.id) {
                        summary.last_message = Some(message);
                    }
                    if counts {
                        summary.unread = summary.unread.saturating_add(1);
                    }
                    rooms.insert(0, summary);
                } else {
                    // A room we did not know of (someone opened a conversation with us).
                    unknown_room = true;
                }
            });
            if unknown_room {
                self.refresh_rooms_now();
            }
        }
    }

    // --- rooms -----------------------------------------------------------

    /// Reloads the room list and follows every room in it.
    pub fn refresh_rooms(self) {
        leptos::task::spawn_local(live(self, Live::RefreshRooms));
    }

    fn refresh_rooms_now(self) {
        let Some(api) = self.api() else { return };
        leptos::task::spawn_local(async move {
            if let Ok(mut rooms) = api.rooms().await {
                let open = self.open_room.get_untracked();
                // The first list of this tab: a room opened by its address
                // before it came learns where the reader left off.
                let first_list = self.rooms.with_untracked(Vec::is_empty);
                for summary in rooms.iter_mut().filter(|summary| Some(&summary.room.id) == open.as_ref()) {
                    if first_list && summary.unread > 0 {
                        self.left_off(summary.room.id.clone(), summary.unread);
                    }
                    summary.unread = 0;
                }
                for summary in &rooms {
                    self.subscribe(&summary.room.id);
                }
                self.rooms.set(rooms);
            }
        });
    }

    fn set_unread(&self, room: &str, unread: u32) {
        if self.rooms.with_untracked(|rooms| rooms.iter().any(|s| s.room.id == room && s.unread != unread)) {
            self.rooms.update(|rooms| {
                for summary in rooms.iter_mut().filter(|summary| summary.room.id == room) {
                    summary.unread = unread;
                }
            });
        }
    }

    /// Follows `room`: joined on the socket (and re-joined after reconnects),
    /// polled in polling mode.
    pub fn subscribe(&self, room: &str) {
        let new = self.link.try_update_value(|link| {
            let new = !link.subscribed.iter().any(|r| r == room);
            if new {
                link.subscribed.push(room.to_owned());
            }
            new
        });
        if new == Some(true) {
            leptos::task::spawn_local(live(*self, Live::Join(room.to_owned())));
        }
    }

    /// The room is on screen: follow it, load its newest messages, clear its
    /// unread count.
    pub fn open(self, room: String) {
        // Read before it is cleared: where the reader left off.
        let unread = self.rooms.with_untracked(|rooms| rooms.iter().find(|s| s.room.id == room).map_or(0, |s| s.unread));
        self.open_room.set(Some(room.clone()));
        self.set_unread(&room, 0);
        self.subscribe(&room);
        if self.timeline(&room).with_untracked(|timeline| timeline.loaded) {
            crate::auth::session::remember_room(&room);
        }
        self.left_off(room.clone(), unread);
        self.load_newest(room);
    }

    /// Loads the newest page of `room` unless it is loaded. Also called when
    /// the link comes back: a room opened while the server was unreachable
    /// (a reload while offline) has no history yet, and a re-join without
    /// `since` replays nothing.
    fn load_newest(self, room: String) {
        let timeline = self.timeline(&room);
        if timeline.with_untracked(|timeline| timeline.loaded) {
            return;
        }
        let Some(api) = self.api() else { return };
        leptos::task::spawn_local(async move {
            match api.messages(&room, None, None).await {
                Ok(page) => {
                    timeline.update(|timeline| {
                        timeline.insert_all(page.messages);
                        timeline.older = page.before;
                        timeline.after = page.after;
                        timeline.loaded = true;
                    });
                    crate::auth::session::remember_room(&room);
                    let unread = timeline.with_untracked(|timeline| timeline.unread_at_open);
                    self.first_unread(room, unread);
                }
                // No such room, or someone else's conversation: final, unlike
                // a network error (the next connect loads it again).
                Err(super::api::ApiError::Status(404 | 403, _)) => timeline.update(|timeline| timeline.missing = true),
                Err(_) => {}
            }
        });
    }

    pub fn close(&self, room: &str) {
        if self.open_room.get_untracked().as_deref() == Some(room) {
            self.open_room.set(None);
        }
    }

    /// Loads the page before the oldest message shown (reading back is not
    /// needed before the first message shows: through the live chunk).
    pub fn load_older(self, room: String) {
        leptos::task::spawn_local(live(self, Live::LoadOlder(room)));
    }

    fn load_older_now(self, room: String) {
        let timeline = self.timeline(&room);
        let Some(cursor) = timeline.with_untracked(|timeline| timeline.older.clone()) else { return };
        if self.loading_older.get_untracked() {
            return;
        }
        let Some(api) = self.api() else { return };
        self.loading_older.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(page) = api.messages(&room, Some(&cursor), None).await {
                timeline.update(|timeline| {
                    timeline.insert_all(page.messages);
                    timeline.older = page.before;
                });
            }
            self.loading_older.set(false);
        });
    }

    /// Marks where the reader left off in `room` (through the live chunk:
    /// it may load older pages, and the messages show without it).
    pub(super) fn first_unread(self, room: String, unread: u32) {
        if unread > 0 {
            leptos::task::spawn_local(live(self, Live::FirstUnread { room, unread }));
        }
    }

    /// Moves our read marker to the newest message of `room`.
    pub fn mark_read(self, room: &str) {
        leptos::task::spawn_local(live(self, Live::MarkRead(room.to_owned())));
    }

    fn mark_read_now(self, room: &str) {
        self.set_unread(room, 0);
        let Some(newest) = self.timeline(room).with_untracked(|timeline| timeline.last_id().map(str::to_owned)) else {
            return;
        };
        let already = self.link.with_value(|link| link.read_sent.get(room).is_some_and(|sent| *sent >= newest));
        if already {
            return;
        }
        self.link.update_value(|link| {
            link.read_sent.insert(room.to_owned(), newest.clone());
        });
        let frame = wire::object(&[("action", Some("read")), ("room", Some(room)), ("message_id", Some(&newest))]);
        if !self.link.with_value(|link| link.send_frame(&frame)) {
            let (Some(api), room) = (self.api(), room.to_owned()) else { return };
            leptos::task::spawn_local(async move {
                let _ = api.mark_read(&room, &newest).await;
            });
        }
    }

    /// Tells the room we are typing (throttled; WebSocket only).
    pub fn typing(&self, room: &str) {
        let now = js_sys::Date::now();
        let due = self.link.with_value(|link| link.typing_sent.get(room).is_none_or(|last| now - last >= TYPING_EVERY_MS));
        if due {
            self.link.update_value(|link| {
                link.typing_sent.insert(room.to_owned(), now);
            });
            self.link.with_value(|link| link.send_frame(&wire::object(&[("action", Some("typing")), ("room", Some(room))])));
        }
    }

    // --- sending ---------------------------------------------------------

    /// Sends `text` (and an uploaded image) to `room`: pending at once,
    /// then confirmed by the ack.
    pub fn send(self, room: &str, text: &str, image_key: Option<String>) {
        let Some(me) = self.me() else { return };
        if self.timeline(room).with_untracked(|timeline| timeline.missing) {
            return;
        }
        let pending = Pending {
            client_id: outbox::new_client_id(),
            room: room.to_owned(),
            sender: me,
            text: text.to_owned(),
            image_key,
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

    fn retry_now(self, room: &str, client_id: &str) {
        let timeline = self.timeline(room);
        timeline.update(|timeline| {
            timeline.set_send_state(client_id, SendState::Sending);
        });
        self.save_outbox();
        self.queue_send(client_id);
    }

    /// Puts a send in the queue and sends what may go now.
    fn queue_send(self, client_id: &str) {
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
    fn pump_sends(self) {
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
    fn pending_send(&self, client_id: &str) -> Option<Pending> {
        let timelines: Vec<RwSignal<Timeline>> = self.timelines.with_value(|timelines| timelines.values().copied().collect());
        timelines.into_iter().find_map(|timeline| {
            timeline.with_untracked(|t| t.pending.iter().find(|p| p.client_id == client_id && p.state == SendState::Sending).cloned())
        })
    }

    /// The server answered a send of ours: the next one may go.
    fn answered(self, client_id: &str) {
        self.sends(SendOp::Answered(client_id));
        self.pump_sends();
    }

    /// The server refused a send as too fast: it goes again, still before
    /// anything written after it, once the server's bucket has refilled.
    fn throttled(self, client_id: &str) {
        self.sends(SendOp::Throttled(client_id));
        self.pump_sends();
    }

    /// Hands one send to the link. When the link is down it stays pending
    /// in the outbox and goes out on reconnect.
    fn transmit(self, pending: Pending) {
        match self.mode() {
            Mode::WebSocket => {
                let frame = wire::object(&[
                    ("action", Some("sendMessage")),
                    ("room", Some(&pending.room)),
                    ("client_id", Some(&pending.client_id)),
                    ("text", Some(&pending.text)),
                    ("image_key", pending.image_key.as_deref()),
                ]);
                self.link.with_value(|link| link.send_frame(&frame));
            }
            Mode::Polling => leptos::task::spawn_local(polling(self, Polling::Send(pending))),
        }
    }

    /// A send over REST, when polling.
    async fn send_polled(self, pending: Pending) {
        let Some(api) = self.api() else { return };
        match api.send(&pending.room, &pending.client_id, &pending.text, pending.image_key.as_deref()).await {
            Ok(message) => self.received_message(message),
            // Unreachable: the next poll notices, and the
            // outbox is queued again once it is back.
            Err(super::api::ApiError::Network) => {
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
    fn flush_outbox(self) {
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

    fn send_failed(&self, client_id: &str) {
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

    fn save_outbox(&self) {
        let Some(me) = self.me() else { return };
        let pending: Vec<Pending> = self.timelines.with_value(|timelines| {
            timelines.values().flat_map(|timeline| timeline.with_untracked(|t| t.pending.clone())).collect()
        });
        outbox::save(&me, &pending);
    }

    // --- polling ---------------------------------------------------------

    fn poll_soon(self, delay: f64) {
        let timer = set_timeout_with_handle(move || self.poll_once(), std::time::Duration::from_millis(delay as u64)).ok();
        self.link.update_value(|link| {
            if let Some(previous) = std::mem::replace(&mut link.poll, timer) {
                previous.clear();
            }
        });
    }

    /// One round of polling: sends what is pending, fetches what is new in
    /// every followed room, then schedules the next round.
    fn poll_once(self) {
        leptos::task::spawn_local(polling(self, Polling::Round));
    }

    async fn poll_round(self) {
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
                match api.messages(&room, None, after.as_deref()).await {
                    Ok(page) => {
                        let count = page.messages.len();
                        for message in page.messages {
                            self.received_message(message);
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
                        reachable = !matches!(error, super::api::ApiError::Network) && !error.is_retryable();
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
enum Polling {
    /// One round: what is new in every followed room, then the next round.
    Round,
    /// One of our messages, sent over REST.
    Send(Pending),
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

split_fn! {
    /// The live part of the client is a chunk of its own: the WebSocket
    /// and its reconnects, the server's events, sending and the outbox,
    /// read markers, the room list's refresh and older pages. A room's first messages
    /// come over REST (`load_newest`) and do not wait for it; it arrives
    /// while they load.
    fn live(chat: Chat, job: Live) {
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

split_fn! {
    /// The polling transport is only used when WebSockets fail (or the
    /// configuration asks for it): it is a chunk of its own.
    async fn polling(chat: Chat, job: Polling) {
        match job {
            Polling::Round => chat.poll_round().await,
            Polling::Send(pending) => chat.send_polled(pending).await,
        }
    }
}
