//! The room list and the rooms on screen: following rooms, opening one
//! with its newest page, older pages, read markers and typing.

use leptos::prelude::*;

use super::link::TYPING_EVERY_MS;
use super::{live, Chat, Live};
use crate::chat::api::ApiError;
use crate::chat::wire;

impl Chat {
    // --- rooms -----------------------------------------------------------

    /// Reloads the room list and follows every room in it.
    pub fn refresh_rooms(self) {
        leptos::task::spawn_local(live(self, Live::RefreshRooms));
    }

    pub(super) fn refresh_rooms_now(self) {
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
                    summary.mentions = 0;
                }
                for summary in &rooms {
                    self.subscribe(&summary.room.id);
                }
                self.rooms.set(rooms);
            }
        });
    }

    pub(super) fn set_unread(&self, room: &str, unread: u32) {
        if self.rooms.with_untracked(|rooms| rooms.iter().any(|s| s.room.id == room && s.unread != unread)) {
            self.rooms.update(|rooms| {
                for summary in rooms.iter_mut().filter(|summary| summary.room.id == room) {
                    summary.unread = unread;
                    // Read: its mentions are read too.
                    if unread == 0 {
                        summary.mentions = 0;
                    }
                }
            });
        }
    }

    /// Follows `room`: joined on the socket (and re-joined after reconnects),
    /// polled in polling mode.
    pub fn subscribe(&self, room: &str) {
        // Before the link starts, following is enough: it joins every
        // followed room when it opens.
        let join_now = self.link.try_update_value(|link| {
            let new = !link.subscribed.iter().any(|r| r == room);
            if new {
                link.subscribed.push(room.to_owned());
            }
            new && link.running
        });
        if join_now == Some(true) {
            leptos::task::spawn_local(live(*self, Live::Join(room.to_owned())));
        }
    }

    /// Stops following `room`, one the person left: this connection leaves
    /// it now, and it is neither joined again after a reconnect (a `join`
    /// frame would make them a member again) nor polled.
    pub fn unfollow(&self, room: &str) {
        let running = self.link.try_update_value(|link| {
            link.subscribed.retain(|followed| followed != room);
            link.running
        });
        if running == Some(true) {
            let frame = wire::object(&[("action", Some("leave")), ("room", Some(room))]);
            self.link.with_value(|link| link.send_frame(&frame));
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

    /// Loads the newest page of `room` unless it is loaded; once it is in
    /// (or failed), the first screen is shown. Also called when
    /// the link comes back: a room opened while the server was unreachable
    /// (a reload while offline) has no history yet, and a re-join without
    /// `since` replays nothing.
    pub(super) fn load_newest(self, room: String) {
        let timeline = self.timeline(&room);
        let first_screen = self.first_screen;
        if timeline.with_untracked(|timeline| timeline.loaded) {
            first_screen.mark_shown();
            return;
        }
        let Some(api) = self.api() else {
            first_screen.mark_shown();
            return;
        };
        leptos::task::spawn_local(async move {
            let page = api.messages(&room, None, None, None).await;
            first_screen.mark_shown();
            match page {
                Ok(page) => {
                    timeline.update(|timeline| {
                        timeline.insert_all(page.messages);
                        timeline.older = page.before;
                        timeline.after = page.after;
                        timeline.changes = timeline.changes.max(page.changes);
                        timeline.loaded = true;
                    });
                    crate::auth::session::remember_room(&room);
                    let unread = timeline.with_untracked(|timeline| timeline.unread_at_open);
                    self.first_unread(room, unread);
                }
                // No such room, or someone else's conversation: final, unlike
                // a network error (the next connect loads it again).
                Err(ApiError::Status(404 | 403, _)) => timeline.update(|timeline| timeline.missing = true),
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

    pub(super) fn load_older_now(self, room: String) {
        let timeline = self.timeline(&room);
        let Some(cursor) = timeline.with_untracked(|timeline| timeline.older.clone()) else { return };
        if self.loading_older.get_untracked() {
            return;
        }
        let Some(api) = self.api() else { return };
        self.loading_older.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(page) = api.messages(&room, Some(&cursor), None, None).await {
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
    pub(in crate::chat) fn first_unread(self, room: String, unread: u32) {
        if unread > 0 {
            leptos::task::spawn_local(live(self, Live::FirstUnread { room, unread }));
        }
    }

    /// Moves our read marker to the newest message of `room`.
    pub fn mark_read(self, room: &str) {
        leptos::task::spawn_local(live(self, Live::MarkRead(room.to_owned())));
    }

    pub(super) fn mark_read_now(self, room: &str) {
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
}
