//! Loading /config.json in a real browser: success, HTTP errors, bad JSON.
#![cfg(target_arch = "wasm32")]

mod support;

use moodchat_protocol::Transport;
use moodchat_web::config::{load, ConfigError};
use support::{data_url, EMBEDDED_CONFIG};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn loads_and_resolves_a_valid_document() {
    let config = load(&data_url(EMBEDDED_CONFIG), "http://127.0.0.1:8080").await.unwrap();
    assert_eq!(config.api_url, "http://127.0.0.1:8080/api");
    assert_eq!(config.ws_url, "ws://127.0.0.1:8080/api/ws");
    assert_eq!(config.transport, Transport::Auto);
}

#[wasm_bindgen_test]
async fn a_missing_document_is_an_http_status_error() {
    let error = load("/no-such-config.json", "http://x").await.unwrap_err();
    assert_eq!(error, ConfigError::Status(404));
}

#[wasm_bindgen_test]
async fn html_instead_of_json_is_invalid() {
    let error = load("data:text/html,<!doctype html><p>hi", "http://x").await.unwrap_err();
    assert!(matches!(error, ConfigError::Invalid(_)), "{error:?}");
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_a_network_error() {
    // Port 9 (discard) is closed on loopback, so fetch fails outright.
    let error = load("http://127.0.0.1:9/config.json", "http://x").await.unwrap_err();
    assert!(matches!(error, ConfigError::Network(_)), "{error:?}");
}
