//! Loading the runtime configuration (`/config.json`) at start. The static
//! bundle is the same everywhere; this document says which backend to talk to.
//!
//! The document is read with the browser's `JSON.parse` and member by member
//! (like the chat protocol, `chat::wire`), not with serde_json and the
//! protocol crate's derived `Deserialize`: that was some 20 KB of wasm before
//! the first screen for one small document.

use gloo_net::http::Request;
use moodchat_protocol::{CognitoConfig, RuntimeConfig, Transport};
use wasm_bindgen::{JsCast, JsValue};

use crate::auth::json::member;

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

impl ConfigError {
    /// The technical detail, for whoever has to fix it.
    pub fn detail(&self) -> String {
        match self {
            ConfigError::Network(detail) => ["network error: ", detail].concat(),
            ConfigError::Status(status) => ["HTTP ", &status.to_string()].concat(),
            ConfigError::Invalid(detail) => ["invalid configuration: ", detail].concat(),
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail())
    }
}

/// What a failed request says about itself, without the error types' formatting code.
fn network_detail(error: gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(error) => [error.name, ": ".into(), error.message].concat(),
        gloo_net::Error::GlooError(detail) => detail,
        _ => String::new(),
    }
}

/// Fetches and parses the configuration, then makes its URLs absolute
/// against `origin` (e.g. `http://127.0.0.1:8080`).
pub async fn load(url: &str, origin: &str) -> Result<RuntimeConfig, ConfigError> {
    let response = Request::get(url).send().await.map_err(|error| ConfigError::Network(network_detail(error)))?;
    if !response.ok() {
        return Err(ConfigError::Status(response.status()));
    }
    let text = response.text().await.map_err(|error| ConfigError::Network(network_detail(error)))?;
    parse(&text, origin)
}

fn invalid(name: &str, problem: &str) -> ConfigError {
    ConfigError::Invalid(["`", name, "` ", problem].concat())
}

/// A string member; absent (or `null`) is `None`, anything else not a string is invalid.
fn optional_text(document: &JsValue, name: &str) -> Result<Option<String>, ConfigError> {
    let value = member(document, name);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value.as_string().map(Some).ok_or_else(|| invalid(name, "must be a string"))
}

fn required(document: &JsValue, name: &str) -> Result<String, ConfigError> {
    optional_text(document, name)?.ok_or_else(|| invalid(name, "is missing"))
}

/// `transport`: `websocket`, `polling` or `auto` (the default when absent).
fn transport(document: &JsValue) -> Result<Transport, ConfigError> {
    let value = member(document, "transport");
    if value.is_undefined() {
        return Ok(Transport::default());
    }
    match value.as_string().as_deref() {
        Some("websocket") => Ok(Transport::Websocket),
        Some("polling") => Ok(Transport::Polling),
        Some("auto") => Ok(Transport::Auto),
        _ => Err(invalid("transport", "must be websocket, polling or auto")),
    }
}

/// `ws_idle_timeout_secs`: a whole number of seconds, or absent.
fn idle_timeout(document: &JsValue) -> Result<Option<u64>, ConfigError> {
    let value = member(document, "ws_idle_timeout_secs");
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(seconds) if seconds >= 0.0 && seconds.fract() == 0.0 && seconds <= 9_007_199_254_740_991.0 => Ok(Some(seconds as u64)),
        _ => Err(invalid("ws_idle_timeout_secs", "must be a whole number of seconds")),
    }
}

/// Parses a configuration document and resolves its relative URLs.
pub fn parse(text: &str, origin: &str) -> Result<RuntimeConfig, ConfigError> {
    let document = js_sys::JSON::parse(text).map_err(|error| {
        ConfigError::Invalid(error.dyn_ref::<js_sys::Error>().map(|error| String::from(error.message())).unwrap_or_default())
    })?;
    if !document.is_object() {
        return Err(ConfigError::Invalid("not a JSON object".into()));
    }
    let cognito = member(&document, "cognito");
    if !cognito.is_object() {
        return Err(invalid("cognito", "must be an object"));
    }
    let mut config = RuntimeConfig {
        api_url: required(&document, "api_url")?,
        ws_url: required(&document, "ws_url")?,
        transport: transport(&document)?,
        ws_idle_timeout_secs: idle_timeout(&document)?,
        // `true` only: a home that does not say it can search cannot.
        search: member(&document, "search").as_bool() == Some(true),
        cognito: CognitoConfig {
            region: required(&cognito, "region")?,
            user_pool_id: required(&cognito, "user_pool_id")?,
            client_id: required(&cognito, "client_id")?,
            endpoint: optional_text(&cognito, "endpoint")?,
        },
    };
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
        [origin.trim_end_matches('/'), "/", url.trim_start_matches('/')].concat()
    }
}

/// `/api/ws` on `https://host` -> `wss://host/api/ws`.
fn absolute_ws(url: &str, origin: &str) -> String {
    if url.starts_with("ws://") || url.starts_with("wss://") {
        return url.to_owned();
    }
    let http = absolute_http(url, origin);
    if let Some(rest) = http.strip_prefix("https://") {
        ["wss://", rest].concat()
    } else if let Some(rest) = http.strip_prefix("http://") {
        ["ws://", rest].concat()
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
    fn transport_and_idle_timeout_are_read_and_checked() {
        let config = parse(EMBEDDED, "http://x").unwrap();
        assert_eq!((config.transport, config.ws_idle_timeout_secs), (Transport::Auto, None));
        let polling = EMBEDDED.replace(r#""transport":"auto""#, r#""transport":"polling","ws_idle_timeout_secs":120"#);
        let config = parse(&polling, "http://x").unwrap();
        assert_eq!((config.transport, config.ws_idle_timeout_secs), (Transport::Polling, Some(120)));
        let default = EMBEDDED.replace(r#""transport":"auto","#, "");
        assert_eq!(parse(&default, "http://x").unwrap().transport, Transport::Auto);
        for bad in [r#""transport":"carrier-pigeon""#, r#""transport":"auto","ws_idle_timeout_secs":-1"#, r#""transport":"auto","ws_idle_timeout_secs":"9""#] {
            let document = EMBEDDED.replace(r#""transport":"auto""#, bad);
            assert!(matches!(parse(&document, "http://x"), Err(ConfigError::Invalid(_))), "{bad}");
        }
    }

    #[test]
    fn broken_documents_are_invalid_not_panics() {
        assert!(matches!(parse("<!doctype html>", "http://x"), Err(ConfigError::Invalid(_))));
        assert!(matches!(parse("{}", "http://x"), Err(ConfigError::Invalid(_))));
        let empty_pool = EMBEDDED.replace("local_moodchat", "");
        assert!(matches!(parse(&empty_pool, "http://x"), Err(ConfigError::Invalid(_))));
        for bad in ["null", "[]", r#"{"api_url":5,"ws_url":"/ws","cognito":{"region":"r","user_pool_id":"p","client_id":"c"}}"#] {
            assert!(matches!(parse(bad, "http://x"), Err(ConfigError::Invalid(_))), "{bad}");
        }
    }
}
