//! Input rules from docs/protocol.md, "Limits". Each returns the normalised
//! value or the documented error.

use moodchat_protocol::limits::{MAX_CLIENT_ID_LEN, MAX_IMAGE_KEY_LEN, MAX_ROOM_NAME_CHARS, MAX_TEXT_CHARS};

use crate::error::{bad_request, too_large, ChatResult};

/// Trimmed text and image key of a message to send. Empty text is allowed
/// only with an image.
pub fn message_body(text: Option<&str>, image_key: Option<&str>) -> ChatResult<(String, Option<String>)> {
    let text = text.unwrap_or("").trim();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(too_large(format!("text longer than {MAX_TEXT_CHARS} characters")));
    }
    let image_key = image_key.map(image_key_rule).transpose()?;
    if text.is_empty() && image_key.is_none() {
        return Err(bad_request("a message needs text or an image"));
    }
    Ok((text.to_string(), image_key))
}

pub fn room_name(name: &str) -> ChatResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(bad_request("a room needs a name"));
    }
    if name.chars().count() > MAX_ROOM_NAME_CHARS {
        return Err(too_large(format!("room name longer than {MAX_ROOM_NAME_CHARS} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(bad_request("room names cannot contain control characters"));
    }
    Ok(name.to_string())
}

pub fn client_id(client_id: &str) -> ChatResult<String> {
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID_LEN {
        return Err(bad_request(format!("client_id must be 1 to {MAX_CLIENT_ID_LEN} characters")));
    }
    if !client_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad_request("client_id must be printable ASCII without spaces"));
    }
    Ok(client_id.to_string())
}

fn image_key_rule(key: &str) -> ChatResult<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-');
    if key.is_empty() || key.len() > MAX_IMAGE_KEY_LEN {
        return Err(bad_request(format!("image_key must be 1 to {MAX_IMAGE_KEY_LEN} characters")));
    }
    if !key.chars().all(allowed) || key.starts_with('/') || key.contains("..") {
        return Err(bad_request("image_key has characters or segments that are not allowed"));
    }
    Ok(key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use moodchat_protocol::ErrorCode;

    #[test]
    fn text_is_trimmed_and_limited_in_characters_not_bytes() {
        assert_eq!(message_body(Some("  hi \n"), None).unwrap().0, "hi");
        let korean = "가".repeat(MAX_TEXT_CHARS);
        assert!(message_body(Some(&korean), None).is_ok(), "4000 three-byte characters fit");
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(message_body(Some(&long), None).unwrap_err().code, ErrorCode::TooLarge);
    }

    #[test]
    fn empty_text_needs_an_image() {
        assert_eq!(message_body(Some("   "), None).unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(message_body(None, None).unwrap_err().code, ErrorCode::BadRequest);
        let (text, key) = message_body(None, Some("uploads/u1/cat.png")).unwrap();
        assert_eq!((text.as_str(), key.as_deref()), ("", Some("uploads/u1/cat.png")));
    }

    #[test]
    fn image_keys_cannot_escape_their_prefix() {
        for bad in ["../etc/passwd", "/abs", "a b", "", "uploads/..", "x?y"] {
            assert!(message_body(Some("t"), Some(bad)).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn room_names_and_client_ids() {
        assert_eq!(room_name("  general ").unwrap(), "general");
        assert!(room_name("   ").is_err());
        assert_eq!(room_name(&"r".repeat(81)).unwrap_err().code, ErrorCode::TooLarge);
        assert!(client_id("c-1").is_ok());
        assert!(client_id("has space").is_err());
        assert!(client_id(&"x".repeat(65)).is_err());
        assert!(client_id("").is_err());
    }
}
