//! Where the reader left off in a room: the first message that was unread
//! when they opened it (the message list opens there, under a "new
//! messages" line). The server counts unread messages from other people;
//! older pages are loaded until that many are in the timeline.

use leptos::prelude::*;

use super::client::Chat;

/// Older pages (of 50) loaded at most to find it; past them the line goes
/// above the oldest message loaded.
const MAX_OLDER_PAGES: usize = 10;

impl Chat {
    /// `room` is opened with `unread` messages from others: mark the first
    /// of them now if its messages are loaded, else once they are.
    pub(super) fn left_off(self, room: String, unread: u32) {
        let timeline = self.timeline(&room);
        let (loaded, known) = timeline.with_untracked(|t| (t.loaded, (t.unread_at_open, t.first_unread.is_some())));
        if known != (unread, false) {
            timeline.update(|t| {
                t.unread_at_open = unread;
                t.first_unread = None;
            });
        }
        if loaded {
            self.first_unread(room, unread);
        }
    }

    /// Marks the first unread message of `room`, which had `unread`
    /// messages from others when it was opened, loading older pages if
    /// needed.
    pub(super) fn find_first_unread(self, room: String, unread: u32) {
        let Some(me) = self.me().map(|me| me.sub) else { return };
        if unread == 0 {
            return;
        }
        let timeline = self.timeline(&room);
        leptos::task::spawn_local(async move {
            let mut pages = 0;
            let first = loop {
                let (found, older) =
                    timeline.with_untracked(|t| (t.first_of_unread(unread, &me).map(str::to_owned), t.older.clone()));
                match (found, older) {
                    (Some(found), _) => break Some(found),
                    (None, Some(cursor)) if pages < MAX_OLDER_PAGES => {
                        let Some(api) = self.api() else { return };
                        let Ok(page) = api.messages(&room, Some(&cursor), None, None).await else { return };
                        timeline.update(|t| {
                            t.insert_all(page.messages);
                            t.older = page.before;
                        });
                        pages += 1;
                    }
                    // All loaded (or enough pages): the oldest loaded from others.
                    _ => break timeline.with_untracked(|t| t.messages.iter().find(|m| m.sender.sub != me).map(|m| m.id.clone())),
                }
            };
            timeline.update(|t| {
                t.first_unread = first;
                t.unread_at_open = 0;
            });
        });
    }
}
