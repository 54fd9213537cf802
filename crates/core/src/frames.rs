//! Parsing a WebSocket text frame into a `ClientFrame` with the documented
//! error for each way it can be wrong: not JSON or wrong field types is
//! `bad_request`, an action we do not know is `unknown_action`.

use moodchat_protocol::{ApiError, ClientFrame, ErrorCode};

use crate::error::bad_request;

pub fn parse_client_frame(text: &str) -> Result<ClientFrame, ApiError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| bad_request(format!("frame is not valid JSON: {error}")))?;
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
    fn good_frames_parse() {
        assert_eq!(parse_client_frame(r#"{"action":"ping"}"#).unwrap(), ClientFrame::Ping);
        assert!(matches!(
            parse_client_frame(r#"{"action":"typing","room":"lobby"}"#).unwrap(),
            ClientFrame::Typing { .. }
        ));
    }
}
