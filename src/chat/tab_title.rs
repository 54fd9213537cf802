//! The tab's title follows the chat: the open room's name, and how many
//! messages are unread, "(3) Lobby · moodchat", so a tab in the background
//! says there is something new, and tabs can be told apart.

use leptos::prelude::*;
use moodchat_protocol::limits::LOBBY_ROOM_ID;

use super::client::Chat;
use super::dom::document;
use super::room_list::{display_name, unread_label};
use crate::i18n::{use_i18n, Texts};

impl Chat {
    /// The name of `room` as the app shows it: its name (the other person's
    /// for a direct conversation), "Room not found" for an unknown one.
    /// Reactive: it reads the room list and the room's timeline.
    pub fn room_title(&self, room: &str, t: &Texts) -> String {
        if self.timeline(room).with(|timeline| timeline.missing) {
            return t.room_missing_title.to_owned();
        }
        self.rooms
            .with(|rooms| rooms.iter().find(|summary| summary.room.id == room).map(|summary| display_name(summary, t)))
            .unwrap_or_else(|| if room == LOBBY_ROOM_ID { t.lobby_name.to_owned() } else { room.to_owned() })
    }
}

/// Keeps `document.title` current while the room list is on the page (it
/// is, beside a room too, on phones hidden): called by the room list, a
/// chunk, so none of this is in the main module.
pub fn follow_tab_title(chat: Chat) {
    let i18n = use_i18n();
    on_cleanup(move || document().set_title(i18n.locale.get_untracked().texts().app_name));
    Effect::new(move |_| {
        let t = i18n.t();
        let unread = chat.rooms.with(|rooms| rooms.iter().fold(0u32, |sum, summary| sum.saturating_add(summary.unread)));
        let mut title = String::new();
        if unread > 0 {
            title.push('(');
            title.push_str(&unread_label(unread));
            title.push_str(") ");
        }
        if let Some(room) = chat.open_room.get() {
            title.push_str(&chat.room_title(&room, t));
            title.push_str(" · ");
        }
        title.push_str(t.app_name);
        document().set_title(&title);
    });
}
