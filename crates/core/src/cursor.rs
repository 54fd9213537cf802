//! Opaque history cursors. A cursor is the base64url (no padding) of a seq
//! in decimal; clients must not rely on that, which leaves room to carry more
//! (e.g. a DynamoDB LastEvaluatedKey) later.
//!
//! Clients deployed before seqs hold cursors that encode a message id, and
//! may send a bare message id: both still work, as `Position::Id`, which
//! `ChatService` maps to that message's seq.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::{bad_request, ChatResult};
use crate::ids::is_ulid;

/// A place in a room's history, as a client names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Position {
    Seq(u64),
    /// A message id (ULID, upper case): the position of that message.
    Id(String),
}

impl Position {
    /// A message id (any case) or a decimal seq, as `join`'s `since` or a
    /// bare `after` carries it.
    pub fn parse_plain(text: &str) -> Option<Position> {
        if is_ulid(text) {
            return Some(Position::Id(text.to_ascii_uppercase()));
        }
        let decimal = !text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit());
        decimal.then(|| text.parse().ok().map(Position::Seq)).flatten()
    }
}

pub fn encode_cursor(seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(seq.to_string().as_bytes())
}

/// The position inside a cursor (or a bare message id or seq), or
/// `bad_request`.
pub fn decode_cursor(cursor: &str) -> ChatResult<Position> {
    let encoded = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|inner| Position::parse_plain(&inner));
    // A bare id or seq never passes for a cursor: both start with a digit,
    // which base64 decodes to a first byte over 0x7F (not UTF-8 text).
    encoded.or_else(|| Position::parse_plain(cursor)).ok_or_else(|| bad_request("invalid cursor"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_seq() {
        for seq in [0, 1, 42, u64::MAX] {
            assert_eq!(decode_cursor(&encode_cursor(seq)).unwrap(), Position::Seq(seq));
        }
        assert!(!encode_cursor(12345).contains('='), "no padding in URLs");
    }

    #[test]
    fn cursors_and_ids_of_older_clients_still_work() {
        let id = "01JD5X0ZQ3M1T6P5V7K9W2B4C8";
        let old_cursor = URL_SAFE_NO_PAD.encode(id.as_bytes());
        assert_eq!(decode_cursor(&old_cursor).unwrap(), Position::Id(id.into()));
        assert_eq!(decode_cursor(id).unwrap(), Position::Id(id.into()));
        assert_eq!(decode_cursor(&id.to_ascii_lowercase()).unwrap(), Position::Id(id.into()));
        assert_eq!(decode_cursor("17").unwrap(), Position::Seq(17));
    }

    #[test]
    fn rejects_garbage_and_non_ids() {
        assert!(decode_cursor("!!!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode(b"not-a-message-id")).is_err());
        assert!(decode_cursor("").is_err());
        assert!(decode_cursor("-1").is_err());
        assert!(decode_cursor("99999999999999999999999").is_err(), "beyond u64");
    }
}
