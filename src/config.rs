//! Loading the runtime configuration (`/config.json`) at start. The static
//! bundle is the same everywhere; this document says which backend to talk to.

use gloo_net::http::Request;
use moodchat_protocol::RuntimeConfig;

/// Where the app looks for its configuration, relative to its own origin.
pub const CONFIG_URL: &str = "/config.json";

/// Why the configuration could not be loaded; each has its own translated text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The request did not complete (offline, DNS, CORS).
    Network(String),
    /// The server answered with a non-2xx status.
    Status(u16),
    /// The body is not a valid configuration document.
    Invalid(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::Network(detail) => write!(f, "network error: {detail}"),
            ConfigError::Status(status) => write!(f, "HTTP {status}"),
            ConfigError::Invalid(detail) => write!(f, "invalid configuration: {detail}"),
        }
    }
}

/// Fetches and parses the configuration, then makes its URLs absolute
/// against `origin` (e.g. `http://127.0.0.1:8080`).
pub async fn load(url: &str, origin: &str) -> Result<RuntimeConfig, ConfigError> {
    let response = Request::get(url)
        .send()
        .await
        .map_err(|error| ConfigError::Network(error.to_string()))?;
    if !response.ok() {
        return Err(ConfigError::Status(response.status()));
    }
    let text = response.text().await.map_err(|error| ConfigError::Network(error.to_string()))?;
    parse(&text, origin)
}

/// Parses a configuration document and resolves its relative URLs.
pub fn parse(text: &str, origin: &str) -> Result<RuntimeConfig, ConfigError> {
    let mut config: RuntimeConfig =
        serde_json::from_str(text).map_err(|error| ConfigError::Invalid(error.to_string()))?;
    if config.cognito.user_pool_id.is_empty() || config.cognito.client_id.is_empty() {
        return Err(ConfigError::Invalid("cognito.user_pool_id and cognito.client_id are required".into()));
    }
    config.api_url = absolute_http(&config.api_url, origin);
    config.ws_url = absolute_ws(&config.ws_url, origin);
    config.cognito.endpoint = config.cognito.endpoint.map(|endpoint| absolute_http(&endpoint, origin));
    Ok(config)
}

/// `/api` -> `http://host/api`; absolute URLs are kept. Trailing slashes are
/// dropped from API bases so paths can be appended with `/`.
fn absolute_http(url: &str, origin: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_owned()
    } else {
        format!("{}/{}", origin.trim_end_matches('/'), url.trim_start_matches('/'))
    }
}

/// `/api/ws` on `https://host` -> `wss://host/api/ws`.
fn absolute_ws(url: &str, origin: &str) -> String {
    if url.starts_with("ws://") || url.starts_with("wss://") {
        return url.to_owned();
    }
    let http = absolute_http(url, origin);
    if let Some(rest) = http.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = http.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        http
    }
}

/// The page's origin, e.g. `http://127.0.0.1:8080`.
pub fn page_origin() -> String {
    web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const EMBEDDED: &str = r#"{"api_url":"/api","ws_url":"/api/ws","transport":"auto",
        "cognito":{"region":"local","user_pool_id":"local_moodchat","client_id":"moodchat-web","endpoint":"/idp/"}}"#;

    #[test]
    fn relative_urls_resolve_against_the_page_origin() {
        let config = parse(EMBEDDED, "http://127.0.0.1:8080").unwrap();
        assert_eq!(config.api_url, "http://127.0.0.1:8080/api");
        assert_eq!(config.ws_url, "ws://127.0.0.1:8080/api/ws");
        assert_eq!(config.cognito.endpoint.as_deref(), Some("http://127.0.0.1:8080/idp/"));
    }

    #[test]
    fn https_pages_get_secure_websockets() {
        let config = parse(EMBEDDED, "https://chat.example.com").unwrap();
        assert_eq!(config.ws_url, "wss://chat.example.com/api/ws");
    }

    #[test]
    fn absolute_urls_are_kept() {
        let aws = r#"{"api_url":"https://a.execute-api.eu-west-1.amazonaws.com","ws_url":"wss://w.execute-api.eu-west-1.amazonaws.com/prod",
            "transport":"websocket","cognito":{"region":"eu-west-1","user_pool_id":"eu-west-1_X","client_id":"c"}}"#;
        let config = parse(aws, "https://main.d1.amplifyapp.com").unwrap();
        assert_eq!(config.api_url, "https://a.execute-api.eu-west-1.amazonaws.com");
        assert_eq!(config.ws_url, "wss://w.execute-api.eu-west-1.amazonaws.com/prod");
        assert_eq!(config.cognito.endpoint, None);
    }

    #[test]
    fn broken_documents_are_invalid_not_panics() {
        assert!(matches!(parse("<!doctype html>", "http://x"), Err(ConfigError::Invalid(_))));
        assert!(matches!(parse("{}", "http://x"), Err(ConfigError::Invalid(_))));
        let empty_pool = EMBEDDED.replace("local_moodchat", "");
        assert!(matches!(parse(&empty_pool, "http://x"), Err(ConfigError::Invalid(_))));
    }
}
