//! Parsing a WebSocket text frame into a `ClientFrame` with the documented
//! error for each way it can be wrong: not JSON, a member named twice (as
//! REST refuses it) or wrong field types is `bad_request`, an action we do not
//! know is `unknown_action`.

use moodchat_protocol::{ApiError, ClientFrame, ErrorCode};

use crate::error::bad_request;

pub fn parse_client_frame(text: &str) -> Result<ClientFrame, ApiError> {
    let value = moodchat_strict_json::from_slice(text.as_bytes())
        .map_err(|error| bad_request(format!("frame is not valid JSON: {error}")))?;
    let action = match value.get("action") {
        Some(serde_json::Value::String(action)) => action.clone(),
        Some(_) => return Err(bad_request("`action` must be a string")),
        None => return Err(bad_request("frame has no `action`")),
    };
    if !ClientFrame::ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::new(
            ErrorCode::UnknownAction,
            format!("unknown action {action:?}; known: {}", ClientFrame::ACTIONS.join(", ")),
        ));
    }
    serde_json::from_value(value).map_err(|error| bad_request(format!("invalid {action} frame: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_bad_frame_has_its_code() {
        assert_eq!(parse_client_frame("{not json").unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(parse_client_frame(r#"{"room":"lobby"}"#).unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(parse_client_frame(r#"{"action":7}"#).unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(parse_client_frame(r#"{"action":"dance"}"#).unwrap_err().code, ErrorCode::UnknownAction);
        assert_eq!(parse_client_frame(r#"{"action":"join","room":5}"#).unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(parse_client_frame(r#"{"action":"join"}"#).unwrap_err().code, ErrorCode::BadRequest);
    }

    #[test]
    fn a_member_named_twice_is_refused_as_rest_refuses_it() {
        let twice = [
            r#"{"action":"sendMessage","room":"lobby","client_id":"k","text":"hi","text":"bye"}"#,
            r#"{"action":"ping","action":"sendMessage","text":"hi"}"#,
            r#"{"action":"join","room":"lobby","room":"dm_secret"}"#,
        ];
        for frame in twice {
            let error = parse_client_frame(frame).unwrap_err();
            assert_eq!(error.code, ErrorCode::BadRequest, "{frame}");
            assert!(error.message.contains("duplicate member"), "{}", error.message);
        }
    }

    #[test]
    fn good_frames_parse() {
        assert_eq!(parse_client_frame(r#"{"action":"ping"}"#).unwrap(), ClientFrame::Ping);
        assert!(matches!(
            parse_client_frame(r#"{"action":"typing","room":"lobby"}"#).unwrap(),
            ClientFrame::Typing { .. }
        ));
    }
}
