//! Reading a room's history: pages and cursors, and the backfill a
//! (re)joining connection needs. Positions are seqs; message ids from
//! clients older than seqs are mapped to theirs.

use moodchat_protocol::limits::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use moodchat_protocol::rest::{HistoryQuery, MessagePage};
use moodchat_protocol::{Message, Since};

use super::ChatService;
use crate::cursor::{decode_cursor, encode_cursor, Position};
use crate::error::{bad_request, not_found, ChatResult};
use crate::ids::is_ulid;
use crate::ports::{HistorySlice, Identity};

impl ChatService {
    pub async fn history(&self, who: &Identity, room_id: &str, query: &HistoryQuery) -> ChatResult<MessagePage> {
        let limit = page_limit(query.limit)?;
        if let Some(around) = &query.around {
            if query.before.is_some() || query.after.is_some() {
                return Err(bad_request("use one of `before`, `after` and `around`"));
            }
            return self.history_around(who, room_id, around, limit).await;
        }
        let slice = match (&query.before, &query.after) {
            (Some(_), Some(_)) => return Err(bad_request("use either `before` or `after`, not both")),
            (Some(before), None) => Some((true, decode_cursor(before)?)),
            (None, Some(after)) => Some((false, decode_cursor(after)?)),
            (None, None) => None,
        };
        self.readable_room(who, room_id).await?;
        let slice = match slice {
            None => HistorySlice::Latest,
            Some((true, position)) => HistorySlice::Before(self.seq_of(room_id, position).await?),
            Some((false, position)) => HistorySlice::After(self.seq_of(room_id, position).await?),
        };
        // Read before the messages: a change made meanwhile is numbered
        // above it and reaches the client on its next poll.
        let (changed, changes) = match query.changes {
            Some(after) => self.changes_after(who, room_id, after, limit).await?,
            None => (Vec::new(), self.store.change_number(room_id).await?),
        };
        // One extra row tells whether an older page exists.
        let mut messages = self.store.history(room_id, &slice, limit + 1).await?;
        let has_more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        self.present_all(&mut messages).await?;
        // An empty page echoes its anchor, so a poller keeps its place.
        let page = match slice {
            HistorySlice::Latest | HistorySlice::Before(_) => MessagePage {
                before: if has_more { messages.last().map(|m| encode_cursor(m.seq)) } else { None },
                after: messages.first().map(|m| m.seq).or(anchor(&slice)).map(encode_cursor),
                messages,
                changed,
                changes,
            },
            HistorySlice::After(seq) => MessagePage {
                before: Some(encode_cursor(messages.first().map_or(seq, |m| m.seq))),
                after: Some(encode_cursor(messages.last().map_or(seq, |m| m.seq))),
                messages,
                changed,
                changes,
            },
        };
        Ok(page)
    }

    /// A page holding the message `id`, about half of it older messages:
    /// how a client shows a message far back in history (a search hit).
    async fn history_around(&self, who: &Identity, room_id: &str, id: &str, limit: u32) -> ChatResult<MessagePage> {
        if !is_ulid(id) {
            return Err(bad_request("`around` must be a message id"));
        }
        self.readable_room(who, room_id).await?;
        let seq = self.seq_of(room_id, Position::Id(id.to_ascii_uppercase())).await?;
        // Read before the messages, as `history` does: what changes
        // meanwhile reaches the client on its next poll.
        let changes = self.store.change_number(room_id).await?;
        // The message itself and older ones, newest first; one extra tells
        // whether an older page exists.
        let older_wanted = limit / 2 + 1;
        let mut older = self.store.history(room_id, &HistorySlice::Before(seq.saturating_add(1)), older_wanted + 1).await?;
        let has_older = older.len() > older_wanted as usize;
        older.truncate(older_wanted as usize);
        let newer_wanted = limit.saturating_sub(older.len() as u32);
        let newer = if newer_wanted == 0 {
            Vec::new()
        } else {
            self.store.history(room_id, &HistorySlice::After(seq), newer_wanted).await?
        };
        let mut messages: Vec<Message> = newer.into_iter().rev().chain(older).collect();
        self.present_all(&mut messages).await?;
        Ok(MessagePage {
            before: if has_older { messages.last().map(|m| encode_cursor(m.seq)) } else { None },
            after: messages.first().map(|m| encode_cursor(m.seq)),
            messages,
            changed: Vec::new(),
            changes,
        })
    }

    /// The seq a client's position names. A message id (from clients older
    /// than seqs) must be a message of this room.
    pub(super) async fn seq_of(&self, room_id: &str, position: Position) -> ChatResult<u64> {
        match position {
            Position::Seq(seq) => Ok(seq),
            Position::Id(id) => {
                self.store.message_seq(room_id, &id).await?.ok_or_else(|| not_found("no such message in this room"))
            }
        }
    }

    /// Where a joining connection resumes: the seq its `since` names.
    pub async fn resume_point(&self, who: &Identity, room_id: &str, since: &Since) -> ChatResult<u64> {
        self.readable_room(who, room_id).await?;
        let position = match since {
            Since::Seq(seq) => Position::Seq(*seq),
            Since::Id(id) => match Position::parse_plain(id) {
                Some(position) => position,
                None => return Err(bad_request("`since` must be a seq or a message id")),
            },
        };
        self.seq_of(room_id, position).await
    }

    /// Messages after seq `since`, oldest first: the backfill a reconnecting
    /// connection needs. Call repeatedly until empty.
    pub async fn messages_after(&self, who: &Identity, room_id: &str, since: u64, limit: u32) -> ChatResult<Vec<Message>> {
        self.readable_room(who, room_id).await?;
        let mut messages = self.store.history(room_id, &HistorySlice::After(since), limit).await?;
        self.present_all(&mut messages).await?;
        Ok(messages)
    }
}

fn anchor(slice: &HistorySlice) -> Option<u64> {
    match slice {
        HistorySlice::Latest => None,
        HistorySlice::Before(seq) | HistorySlice::After(seq) => Some(*seq),
    }
}

fn page_limit(limit: Option<u32>) -> ChatResult<u32> {
    match limit {
        None => Ok(DEFAULT_PAGE_LIMIT),
        Some(limit) if (1..=MAX_PAGE_LIMIT).contains(&limit) => Ok(limit),
        Some(_) => Err(bad_request(format!("`limit` must be 1 to {MAX_PAGE_LIMIT}"))),
    }
}
