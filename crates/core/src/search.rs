//! Finding messages by words: the port a home's index implements, and the
//! rules every index follows, so the answer is the same whatever home runs
//! the core.
//!
//! What a home offers is its own choice and is said in `/config.json`
//! (`search`): the embedded server has an SQLite FTS5 index with the
//! trigram tokenizer, filled in the transaction of each append; the
//! serverless home has none at first (DynamoDB cannot match inside words;
//! an index there would be fed by the table's stream, so a message would
//! become findable a moment after it is acked, which the port allows).
//! `ChatService::search` answers `unavailable` on a home without one.
//!
//! The rule: a query is split into words at whitespace; a message matches
//! when its text holds every word anywhere, ignoring case, so "회의" finds
//! "회의실" (Korean writes many words without spaces) and "meet" finds
//! "Meeting". No stemming, no ranking: newest first. Which rooms are
//! searched is decided by the core (the caller's memberships), never by an
//! index.

use async_trait::async_trait;
use moodchat_protocol::limits::{MAX_SEARCH_QUERY_CHARS, MAX_SEARCH_TERMS};
use moodchat_protocol::{ApiError, Message};

use crate::error::{bad_request, too_large, ChatResult};

/// Full-text lookup of messages.
#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// Messages of `rooms` whose text holds every one of `terms` (lower
    /// case, as `search_terms` makes them), newest first, at most `limit`.
    /// With `before` (the id of a message this index returned), only
    /// messages older than that one. `rooms` is the whole allowed set: an
    /// index never returns a message of another room.
    async fn search(&self, rooms: &[String], terms: &[String], before: Option<&str>, limit: u32)
        -> Result<Vec<Message>, ApiError>;
}

/// The words of a query: trimmed, split at whitespace, lower case, each
/// once. Empty, too long or too many words is a clear error.
pub fn search_terms(query: &str) -> ChatResult<Vec<String>> {
    let query = query.trim();
    if query.is_empty() {
        return Err(bad_request("`q` needs a word to search for"));
    }
    if query.chars().count() > MAX_SEARCH_QUERY_CHARS {
        return Err(too_large(format!("`q` is longer than {MAX_SEARCH_QUERY_CHARS} characters")));
    }
    let mut terms: Vec<String> = Vec::new();
    for word in query.split_whitespace().map(str::to_lowercase) {
        if !terms.contains(&word) {
            terms.push(word);
        }
    }
    if terms.len() > MAX_SEARCH_TERMS {
        return Err(bad_request(format!("`q` has more than {MAX_SEARCH_TERMS} words")));
    }
    Ok(terms)
}

/// Whether `text` holds every term (the rule above).
pub fn matches(text: &str, terms: &[String]) -> bool {
    let text = text.to_lowercase();
    terms.iter().all(|term| text.contains(term.as_str()))
}

/// The reference index: reads every room's history through the store port
/// and applies `matches`. What the in-memory home offers, and what a real
/// index must agree with.
#[cfg(any(test, feature = "test-util"))]
pub struct ScanningIndex(pub std::sync::Arc<dyn crate::MessageStore>);

#[cfg(any(test, feature = "test-util"))]
#[async_trait]
impl SearchIndex for ScanningIndex {
    async fn search(&self, rooms: &[String], terms: &[String], before: Option<&str>, limit: u32)
        -> Result<Vec<Message>, ApiError> {
        let mut found = Vec::new();
        for room in rooms {
            let history = self.0.history(room, &crate::HistorySlice::Latest, u32::MAX).await?;
            let older = history.into_iter().filter(|m| before.is_none_or(|before| m.id.as_str() < before));
            found.extend(older.filter(|m| matches(&m.text, terms)).take(limit as usize));
        }
        found.sort_by(|a, b| b.id.cmp(&a.id));
        found.truncate(limit as usize);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moodchat_protocol::ErrorCode;

    #[test]
    fn words_inside_korean_words_and_any_case_match() {
        let terms = search_terms("  회의 ").unwrap();
        assert!(matches("내일 회의실에서 봐요", &terms));
        assert!(matches("Meeting at 3", &search_terms("meet").unwrap()));
        assert!(matches("MEETING room 회의", &search_terms("Room 회의 meeting").unwrap()));
        assert!(!matches("회식 어때요", &terms));
        assert!(!matches("meeting", &search_terms("meeting room").unwrap()), "every word must be there");
    }

    #[test]
    fn bad_queries_are_refused_clearly() {
        assert_eq!(search_terms("   ").unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(search_terms(&"가".repeat(101)).unwrap_err().code, ErrorCode::TooLarge);
        assert!(search_terms(&"가".repeat(100)).is_ok());
        assert_eq!(search_terms("a b c d e f g h i").unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(search_terms("a A a b").unwrap(), ["a", "b"], "each word once");
    }
}
