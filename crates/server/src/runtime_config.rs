//! `/config.json`: the runtime configuration the SPA loads at start,
//! describing this server. URLs are relative unless a public URL is set, so
//! the document stays right behind `trunk serve`'s proxy or any other one.

use std::time::Duration;

use moodchat_protocol::{CognitoConfig, RuntimeConfig, Transport};

/// The identity provider's coordinates as the embedded server exposes them.
/// Cognito pool ids are `<region>_<name>`; "local" marks the embedded one.
pub const LOCAL_REGION: &str = "local";
pub const LOCAL_USER_POOL_ID: &str = "local_moodchat";
pub const LOCAL_CLIENT_ID: &str = "moodchat-web";

pub fn describe(public_url: Option<&str>, transport: Transport, idle_timeout: Duration) -> RuntimeConfig {
    let base = public_url.unwrap_or("");
    RuntimeConfig {
        api_url: format!("{base}/api"),
        ws_url: format!("{}/api/ws", websocket_base(base)),
        transport,
        // Whole seconds, at least one: the SPA's heartbeat is a fraction of it.
        ws_idle_timeout_secs: Some(idle_timeout.as_secs().max(1)),
        // Said by the caller, who knows whether the chat has an index.
        search: false,
        cognito: CognitoConfig {
            region: LOCAL_REGION.to_owned(),
            user_pool_id: LOCAL_USER_POOL_ID.to_owned(),
            client_id: LOCAL_CLIENT_ID.to_owned(),
            endpoint: Some(format!("{base}/idp/")),
        },
    }
}

/// `https://x` -> `wss://x`, `http://x` -> `ws://x`, relative stays relative
/// (the SPA turns a relative WebSocket URL into one on its own origin).
fn websocket_base(base: &str) -> String {
    if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_public_url_everything_is_relative() {
        let config = describe(None, Transport::Auto, Duration::from_secs(600));
        assert_eq!(config.api_url, "/api");
        assert_eq!(config.ws_idle_timeout_secs, Some(600));
        assert_eq!(config.ws_url, "/api/ws");
        assert_eq!(config.cognito.endpoint.as_deref(), Some("/idp/"));
    }

    #[test]
    fn a_public_https_url_gives_wss() {
        let config = describe(Some("https://chat.example.com"), Transport::Websocket, Duration::from_secs(600));
        assert_eq!(config.api_url, "https://chat.example.com/api");
        assert_eq!(config.ws_url, "wss://chat.example.com/api/ws");
        assert_eq!(config.cognito.endpoint.as_deref(), Some("https://chat.example.com/idp/"));
    }
}
