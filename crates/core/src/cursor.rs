//! Opaque history cursors. Today a cursor is the base64url (no padding) of a
//! message id; clients must not rely on that, which leaves room to carry more
//! (e.g. a DynamoDB LastEvaluatedKey) later.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::{bad_request, ChatResult};
use crate::ids::is_ulid;

pub fn encode_cursor(message_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(message_id.as_bytes())
}

/// The message id inside a cursor, or `bad_request`.
pub fn decode_cursor(cursor: &str) -> ChatResult<String> {
    let invalid = || bad_request("invalid cursor");
    let bytes = URL_SAFE_NO_PAD.decode(cursor.as_bytes()).map_err(|_| invalid())?;
    let id = String::from_utf8(bytes).map_err(|_| invalid())?;
    if !is_ulid(&id) {
        return Err(invalid());
    }
    Ok(id.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_message_id() {
        let id = "01JD5X0ZQ3M1T6P5V7K9W2B4C8";
        assert_eq!(decode_cursor(&encode_cursor(id)).unwrap(), id);
        assert!(!encode_cursor(id).contains('='), "no padding in URLs");
    }

    #[test]
    fn rejects_garbage_and_non_ids() {
        assert!(decode_cursor("!!!").is_err());
        assert!(decode_cursor(&encode_cursor("not-a-message-id")).is_err());
        assert!(decode_cursor("").is_err());
    }
}
