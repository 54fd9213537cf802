//! Search (crate::search): the rooms a caller may search are the rooms
//! they are a member of, decided here and only here; the index only
//! matches words.

use moodchat_protocol::limits::{DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT};
use moodchat_protocol::rest::{SearchHit, SearchQuery, SearchResults};

use super::ChatService;
use crate::error::{bad_request, forbidden, not_found, unavailable, ChatResult};
use crate::ids::is_ulid;
use crate::ports::Identity;
use crate::search::search_terms;

impl ChatService {
    /// Whether this home can search (`/config.json`'s `search`).
    pub fn offers_search(&self) -> bool {
        self.search.is_some()
    }

    /// Messages of the caller's rooms (or of one of them) holding every
    /// word of the query, newest first, with their room's name.
    pub async fn search(&self, who: &Identity, query: &SearchQuery) -> ChatResult<SearchResults> {
        let index = self.search.as_ref().ok_or_else(|| unavailable("search is not offered here"))?;
        let terms = search_terms(&query.q)?;
        let limit = match query.limit {
            None => DEFAULT_SEARCH_LIMIT,
            Some(limit) if (1..=MAX_SEARCH_LIMIT).contains(&limit) => limit,
            Some(_) => return Err(bad_request(format!("`limit` must be 1 to {MAX_SEARCH_LIMIT}"))),
        };
        // The cursor is the id of the last message of the previous page.
        let before = match query.before.as_deref() {
            None => None,
            Some(id) if is_ulid(id) => Some(id.to_ascii_uppercase()),
            Some(_) => return Err(bad_request("invalid cursor")),
        };

        let mut rooms = crate::room_list::summaries(self.store.room_listings(&who.sub, false).await?);
        rooms.retain(|summary| summary.member);
        if let Some(wanted) = query.room.as_deref() {
            if !rooms.iter().any(|summary| summary.room.id == wanted) {
                // Unknown rooms and rooms of others are told apart, as
                // history does; neither is searched.
                self.room(wanted).await?;
                return Err(forbidden("only members search a room"));
            }
            rooms.retain(|summary| summary.room.id == wanted);
        }
        if rooms.is_empty() {
            return Err(not_found("no rooms to search"));
        }
        let room_ids: Vec<String> = rooms.iter().map(|summary| summary.room.id.clone()).collect();

        // One extra tells whether an older page exists.
        let mut found = index.search(&room_ids, &terms, before.as_deref(), limit + 1).await?;
        let more = found.len() > limit as usize;
        found.truncate(limit as usize);
        let mut hits = Vec::with_capacity(found.len());
        for mut message in found {
            // An index that broke its contract must not leak another room.
            let Some(summary) = rooms.iter().find(|summary| summary.room.id == message.room) else { continue };
            self.present(&mut message).await?;
            hits.push(SearchHit { room_name: summary.room.name.clone(), message });
        }
        let before = if more { hits.last().map(|hit| hit.message.id.clone()) } else { None };
        Ok(SearchResults { hits, before })
    }
}
