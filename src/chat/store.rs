//! The messages of one room as the app knows them: confirmed messages sorted
//! and de-duplicated by id, our own sends waiting for their ack, and who is
//! online, typing and has read what. Plain data and pure functions, so every
//! rule (de-dup, ack, echo, grouping) is tested without a server.

use moodchat_protocol::{AuthorMood, Message, Quote, UserRef};

/// Where one of our messages is on its way to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendState {
    /// Confirmed by the server (it has an id).
    Sent,
    /// Written, not yet acknowledged (maybe waiting for the network).
    Sending,
    /// The server refused it; the user may retry.
    Failed,
}

/// One of our messages the server has not acknowledged yet. It is shown at
/// once, at the end of the timeline, and replaced by the confirmed message
/// with the same `client_id`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub client_id: String,
    pub room: String,
    pub sender: UserRef,
    pub text: String,
    /// The uploaded image sent with the text, if any.
    pub image_key: Option<String>,
    /// The message this one replies to, as it was quoted when written.
    pub reply_to: Option<Quote>,
    pub created_at: i64,
    pub state: SendState,
}

impl Pending {
    /// How the pending message looks until the server confirms it.
    pub fn as_message(&self) -> Message {
        Message {
            id: String::new(),
            room: self.room.clone(),
            sender: self.sender.clone(),
            text: self.text.clone(),
            image: None,
            sentiment: None,
            author_mood: None,
            edited_at: None,
            deleted_at: None,
            change: 0,
            reactions: Vec::new(),
            reply_to: self.reply_to.clone(),
            created_at: self.created_at,
            client_id: self.client_id.clone(),
            // The server assigns it.
            seq: 0,
        }
    }
}

/// What inserting a message changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inserted {
    /// A message the timeline did not have.
    New,
    /// A message it had (an echo, a replay, an overlapping page): the
    /// server's copy replaced ours, nothing was added.
    Known,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    /// Confirmed messages, strictly increasing by id (ULIDs sort by time).
    pub messages: Vec<Message>,
    /// Our unacknowledged sends, in the order they were written.
    pub pending: Vec<Pending>,
    /// Cursor for older history; `None` once the start of the room is loaded.
    pub older: Option<String>,
    /// Whether the newest page has been loaded (the room has been opened).
    pub loaded: bool,
    /// The server said there is no such room, or not one we may read: the
    /// room view says so, and nothing can be sent there.
    pub missing: bool,
    /// Where the reader left off: the first message that was unread when
    /// the room was opened, shown under a "new messages" line.
    pub first_unread: Option<String>,
    /// How many messages from others were unread when the room was opened,
    /// kept until its messages have loaded and the first of them is found.
    pub unread_at_open: u32,
    /// Where the list was scrolled when the room was left: the anchor row's
    /// key and offset (see `message_list`), or `None` at the bottom.
    pub scrolled_to: Option<(String, f64)>,
    /// Cursor a polling client passes as `after`.
    pub after: Option<String>,
    /// The room's change number this timeline is up to date with (passed
    /// back as `changes` when polling and re-joining).
    pub changes: u64,
    /// Who has a connection joined to the room.
    pub online: Vec<UserRef>,
    /// Who is typing, until when (ms since the epoch).
    pub typing: Vec<(UserRef, f64)>,
    /// Each member's read marker (the newest message id they have read).
    pub read_markers: Vec<(UserRef, String)>,
    /// A message to bring into view (a search result), until the list has.
    pub focus: Option<String>,
    /// The search result jumped to: marked in the list, and given the
    /// keyboard focus there, until the room is left.
    pub marked: Option<String>,
    /// How many jumps there were: the list brings `focus` into view at
    /// each, also when a jump goes to the same message again.
    pub jumps: u32,
    /// After a jump far back: the seq of the newest message of the window
    /// shown there. The messages after it, up to the newer ones loaded, are
    /// not here yet (`fill_gap` brings them, a page at a time).
    pub gap: Option<u64>,
    /// The message the next one sent here replies to (chosen with a row's
    /// reply button, shown above the composer until sent or cancelled).
    pub replying: Option<Quote>,
}

impl Timeline {
    /// Adds a confirmed message, keeping the order and dropping duplicates
    /// by id. A pending send with the same `client_id` is confirmed by it.
    pub fn insert(&mut self, message: Message) -> Inserted {
        self.pending.retain(|pending| pending.client_id != message.client_id || pending.sender.sub != message.sender.sub);
        match self.messages.binary_search_by(|probe| probe.id.as_str().cmp(&message.id)) {
            Ok(index) => {
                // The server's copy wins (it carries the mood and image
                // data), unless ours has a later change: a page read before
                // an edit must not bring the old text back.
                if self.messages[index].change <= message.change {
                    self.messages[index] = message;
                }
                Inserted::Known
            }
            Err(index) => {
                self.messages.insert(index, message);
                Inserted::New
            }
        }
    }

    /// Adds many messages (a history page, a poll, a backfill); returns how
    /// many were new.
    pub fn insert_all(&mut self, messages: impl IntoIterator<Item = Message>) -> usize {
        messages.into_iter().map(|message| self.insert(message)).filter(|inserted| *inserted == Inserted::New).count()
    }

    /// Shows `page`, a history page around message `id` (`?around=`), with
    /// `before` its cursor for older ones. Contiguous with what is loaded,
    /// it simply joins it; far older, it becomes a window with a gap up to
    /// the newest messages (an earlier window is dropped: one gap at most).
    pub fn show_around(&mut self, page: Vec<Message>, before: Option<String>, id: &str) {
        let (Some(lowest), Some(highest)) = (page.iter().map(|m| m.seq).min(), page.iter().map(|m| m.seq).max()) else { return };
        if let Some(gap) = self.gap.take() {
            self.messages.retain(|m| m.seq > gap);
        }
        match self.messages.first().map(|m| m.seq) {
            Some(oldest) if highest + 1 >= oldest => {
                if lowest < oldest {
                    self.older = before;
                }
            }
            _ => {
                self.gap = Some(highest);
                self.older = before;
            }
        }
        self.insert_all(page);
        self.jump_to(id);
    }

    /// Brings message `id` (loaded, or about to be) into view, marked and
    /// focused.
    pub fn jump_to(&mut self, id: &str) {
        self.focus = Some(id.to_owned());
        self.marked = Some(id.to_owned());
        self.jumps = self.jumps.wrapping_add(1);
    }

    /// A page of the messages after the gap (oldest first): the gap shrinks,
    /// or closes when the page reaches the newer messages or is empty.
    pub fn fill_gap(&mut self, page: Vec<Message>) {
        let Some(gap) = self.gap else { return };
        let next_loaded = self.messages.iter().map(|m| m.seq).find(|seq| *seq > gap);
        let newest = page.iter().map(|m| m.seq).max();
        self.insert_all(page);
        self.gap = match (newest, next_loaded) {
            (Some(newest), Some(next)) if newest + 1 >= next => None,
            (Some(newest), _) if newest > gap => Some(newest),
            _ => None,
        };
    }

    /// The message to bring into view and where it is, once it is loaded.
    pub fn take_focus(&mut self) -> Option<(String, usize)> {
        let index = self.index_of(self.focus.as_deref()?)?;
        self.focus.take().map(|key| (key, index))
    }

    /// The author of message `id` set or cleared its mood (`author_mood`
    /// event, numbered `change`); false when the message is not loaded
    /// here or already has a later change.
    pub fn set_author_mood(&mut self, id: &str, mood: Option<AuthorMood>, change: u64) -> bool {
        self.saw_change(change);
        match self.messages.binary_search_by(|probe| probe.id.as_str().cmp(id)) {
            Ok(index) if self.messages[index].change <= change => {
                self.messages[index].author_mood = mood;
                self.messages[index].change = change;
                true
            }
            _ => false,
        }
    }

    /// A message as it is after a change (edited, unsent): replaces ours if
    /// it is loaded here and newer. One not loaded is left for when its
    /// page is read (which brings it as it then is).
    /// The replies to it loaded here quote it as it now is, and so does the
    /// reply being written.
    pub fn changed(&mut self, message: Message) -> bool {
        self.saw_change(message.change);
        let quote = Quote::of(&message);
        let newer = match self.messages.binary_search_by(|probe| probe.id.as_str().cmp(&message.id)) {
            Ok(index) if self.messages[index].change < message.change => {
                self.messages[index] = message;
                true
            }
            Ok(_) => return false,
            Err(_) => false,
        };
        let mut requoted = false;
        for reply in self.messages.iter_mut().filter(|m| m.reply_to.as_ref().is_some_and(|q| q.id == quote.id)) {
            reply.reply_to = Some(quote.clone());
            requoted = true;
        }
        if self.replying.as_ref().is_some_and(|q| q.id == quote.id) {
            self.replying = (!quote.deleted).then_some(quote);
        }
        newer || requoted
    }

    /// A live change numbered `change`: the timeline is up to date with it
    /// only when it is the next one (live delivery may skip one: never move
    /// past a gap; a re-join or the next poll fills it).
    fn saw_change(&mut self, change: u64) {
        if change == self.changes + 1 {
            self.changes = change;
        }
    }

    /// The server committed our send `client_id` as message `id`: it becomes
    /// a confirmed message (unless its echo already did that).
    pub fn acknowledge(&mut self, client_id: &str, id: &str) {
        let Some(index) = self.pending.iter().position(|pending| pending.client_id == client_id) else { return };
        let pending = self.pending.remove(index);
        let mut message = pending.as_message();
        message.id = id.to_owned();
        self.insert(message);
    }

    /// Adds a send of ours; the same `client_id` is never added twice.
    pub fn add_pending(&mut self, pending: Pending) {
        let confirmed = self.messages.iter().rev().take(200).any(|m| m.client_id == pending.client_id && m.sender.sub == pending.sender.sub);
        if !confirmed && !self.pending.iter().any(|p| p.client_id == pending.client_id) {
            self.pending.push(pending);
        }
    }

    pub fn set_send_state(&mut self, client_id: &str, state: SendState) -> bool {
        match self.pending.iter_mut().find(|pending| pending.client_id == client_id) {
            Some(pending) => {
                pending.state = state;
                true
            }
            None => false,
        }
    }

    /// The newest confirmed message id: what to re-join with (`since`).
    pub fn last_id(&self) -> Option<&str> {
        self.messages.last().map(|message| message.id.as_str())
    }

    /// Confirmed messages plus pending ones.
    pub fn len(&self) -> usize {
        self.messages.len() + self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry at `index`: confirmed messages first, then pending ones.
    pub fn entry(&self, index: usize) -> Option<Entry<'_>> {
        match self.messages.get(index) {
            Some(message) => Some(Entry::Confirmed(message)),
            None => self.pending.get(index - self.messages.len()).map(Entry::Pending),
        }
    }

    /// Where the entry with `key` (an id, or a pending send's client id) is.
    pub fn index_of(&self, key: &str) -> Option<usize> {
        match self.messages.binary_search_by(|probe| probe.id.as_str().cmp(key)) {
            Ok(index) => Some(index),
            Err(_) => self.pending.iter().position(|p| p.client_id == key).map(|i| self.messages.len() + i),
        }
    }

    /// The first of the `unread` newest messages from people other than
    /// `me` (the server counts only theirs as unread). `None` when fewer of
    /// them are loaded: the page before must be loaded first.
    pub fn first_of_unread(&self, unread: u32, me: &str) -> Option<&str> {
        let nth = usize::try_from(unread).ok()?.checked_sub(1)?;
        self.messages.iter().rev().filter(|message| message.sender.sub != me).nth(nth).map(|message| message.id.as_str())
    }

    /// Someone is typing; shown for a few seconds unless they type again.
    pub fn typing_from(&mut self, user: UserRef, until_ms: f64) {
        self.typing.retain(|(typing, _)| typing.sub != user.sub);
        self.typing.push((user, until_ms));
    }

    /// Who is still typing at `now_ms`; forgets the others. A message from
    /// someone ends their typing too (see `insert` callers).
    pub fn prune_typing(&mut self, now_ms: f64) -> bool {
        let before = self.typing.len();
        self.typing.retain(|(_, until)| *until > now_ms);
        before != self.typing.len()
    }

    /// A member's read marker moved (markers only move forward).
    pub fn read_by(&mut self, user: UserRef, message_id: String) {
        match self.read_markers.iter_mut().find(|(reader, _)| reader.sub == user.sub) {
            Some((_, marker)) => {
                if message_id > *marker {
                    *marker = message_id;
                }
            }
            None => self.read_markers.push((user, message_id)),
        }
    }

    /// The people other than `me` who have read up to our newest confirmed
    /// message: the "seen by" line under it.
    pub fn seen_by(&self, me: &str) -> Vec<&UserRef> {
        let Some(mine) = self.messages.iter().rev().find(|message| message.sender.sub == me) else { return Vec::new() };
        self.read_markers
            .iter()
            .filter(|(reader, marker)| reader.sub != me && marker.as_str() >= mine.id.as_str())
            .map(|(reader, _)| reader)
            .collect()
    }
}

/// A timeline entry, borrowed.
#[derive(Clone, Copy, Debug)]
pub enum Entry<'a> {
    Confirmed(&'a Message),
    Pending(&'a Pending),
}

impl<'a> Entry<'a> {
    pub fn sender_sub(&self) -> &'a str {
        match self {
            Entry::Confirmed(message) => &message.sender.sub,
            Entry::Pending(pending) => &pending.sender.sub,
        }
    }

    pub fn created_at(&self) -> i64 {
        match self {
            Entry::Confirmed(message) => message.created_at,
            Entry::Pending(pending) => pending.created_at,
        }
    }

    /// A key that is stable for the entry: the id, or the client id while pending.
    pub fn key(&self) -> &'a str {
        match self {
            Entry::Confirmed(message) => &message.id,
            Entry::Pending(pending) => &pending.client_id,
        }
    }
}

/// How an entry sits among its neighbours: a day separator before it, and
/// whether it starts a group (sender name and avatar) or continues one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    pub new_day: bool,
    pub new_group: bool,
}

/// Consecutive messages from one sender within this many ms form a group.
pub const GROUP_GAP_MS: i64 = 5 * 60 * 1000;

/// Where entry `index` sits, given a function from a timestamp to its local
/// day number. Depends only on the entry before it, so a windowed list can
/// place the rows it shows without walking the whole room.
pub fn placement(timeline: &Timeline, index: usize, day_of: impl Fn(i64) -> i64) -> Placement {
    let Some(entry) = timeline.entry(index) else { return Placement { new_day: false, new_group: false } };
    let Some(previous) = index.checked_sub(1).and_then(|previous| timeline.entry(previous)) else {
        return Placement { new_day: true, new_group: true };
    };
    let new_day = day_of(entry.created_at()) != day_of(previous.created_at());
    let new_group = new_day
        || entry.sender_sub() != previous.sender_sub()
        || entry.created_at() - previous.created_at() > GROUP_GAP_MS;
    Placement { new_day, new_group }
}
