//! What the server says (over the socket, or polled): messages, acks,
//! presence, typing, read markers and rooms appearing.

use leptos::prelude::*;
use moodchat_protocol::Message;

use super::link::TYPING_SHOWN_MS;
use super::Chat;
use crate::chat::store::Inserted;
use crate::chat::wire::{self, Event};

impl Chat {
    /// One server event.
    pub(super) fn receive(self, text: &str) {
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
            Event::AuthorMood { room, message_id, author_mood, change } => {
                self.timeline(&room).update(|timeline| {
                    timeline.set_author_mood(&message_id, author_mood, change);
                });
            }
            Event::Changed(message) => self.changed_message(message),
            Event::SendFailed { client_id } => self.send_failed(&client_id),
            Event::SendThrottled { client_id } => self.throttled(&client_id),
            Event::Joined { room, changes } => {
                self.timeline(&room).update(|timeline| timeline.changes = timeline.changes.max(changes));
                self.listed(room);
            }
            Event::RoomAdded { room } => self.listed(room),
            Event::Other => {}
        }
    }

    /// A message as it is after a change (edited, unsent): in its room, and
    /// in the room list when it is the room's last message. Never unread.
    pub fn changed_message(self, message: Message) {
        let room = message.room.clone();
        self.rooms.update(|rooms| {
            let summary = rooms.iter_mut().find(|summary| summary.room.id == room);
            if let Some(last) = summary.and_then(|summary| summary.last_message.as_mut()) {
                if last.id == message.id && last.change < message.change {
                    *last = message.clone();
                }
            }
        });
        self.timeline(&room).update(|timeline| {
            timeline.changed(message);
        });
    }

    /// Makes sure `room` is in the list.
    fn listed(self, room: String) {
        // A public room joined by opening its link is a member's room now,
        // and a direct conversation someone started with us is ours: list
        // it (with its name, for the title) at once.
        if !self.rooms.with_untracked(|rooms| rooms.iter().any(|summary| summary.room.id == room)) {
            self.refresh_rooms_now();
        }
    }

    /// A message from the server (live, replayed, polled or our own echo).
    pub(super) fn received_message(self, message: Message) {
        let room = message.room.clone();
        let mine = self.me().is_some_and(|me| me.sub == message.sender.sub);
        let mut was_pending = false;
        let new = self.timeline(&room).try_update(|timeline| {
            was_pending = timeline.pending.iter().any(|p| p.client_id == message.client_id);
            timeline.typing.retain(|(user, _)| user.sub != message.sender.sub);
            timeline.insert(message.clone()) == Inserted::New
        });
        if was_pending {
            self.save_outbox();
            self.answered(&message.client_id);
        }
        if new == Some(true) && !mine {
            self.notify(&message);
        }
        // Our own message is usually known already (its ack comes before
        // its echo) but is still news for the room list.
        let newest = self.rooms.with_untracked(|rooms| {
            rooms.iter().any(|s| s.room.id == room && s.last_message.as_ref().is_none_or(|last| last.id < message.id))
        });
        if new == Some(true) || newest {
            let mut unknown_room = false;
            let counts = new == Some(true) && !mine && self.open_room.get_untracked().as_deref() != Some(room.as_str());
            let mentions_me = counts && self.me().is_some_and(|me| moodchat_protocol::names::mentions(&message.text, &me.name));
            self.rooms.update(|rooms| {
                if let Some(index) = rooms.iter().position(|summary| summary.room.id == room) {
                    let mut summary = rooms.remove(index);
                    if summary.last_message.as_ref().is_none_or(|last| last.id < message.id) {
                        summary.last_message = Some(message);
                    }
                    if counts {
                        summary.unread = summary.unread.saturating_add(1);
                        if mentions_me {
                            summary.mentions = summary.mentions.saturating_add(1);
                        }
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
}
