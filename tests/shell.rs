//! The app shell in a real browser: it renders the layout and routes once the
//! configuration loads, shows a translated error page when it does not, and
//! switches language and theme.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use moodchat_web::app::Shell;
use support::{data_url, fresh_container, query, wait_for, wait_for_text, EMBEDDED_CONFIG};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlSelectElement;

wasm_bindgen_test_configure!(run_in_browser);

/// Tests in this file share one page: start each from English, system theme,
/// signed in (the rooms need a session), at "/".
fn reset_preferences() {
    support::store_session("Tester");
    support::go_to("/");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("moodchat.locale", "en").unwrap();
    storage.remove_item("moodchat.theme").unwrap();
}

fn mount_shell(config_url: String) -> (web_sys::HtmlElement, leptos::mount::UnmountHandle<impl Mountable>) {
    reset_preferences();
    let container = fresh_container();
    let handle = leptos::mount::mount_to(container.clone(), move || view! { <Shell config_url /> });
    (container, handle)
}

/// Chooses `value` in a header switch, once it is there: the header's tools
/// come after the page's first screen (src/split.rs).
async fn select(root: &web_sys::Element, selector: &str, value: &str) {
    let element: HtmlSelectElement = wait_for(selector, || query(root, selector)).await.unchecked_into();
    element.set_value(value);
    element.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn renders_header_and_the_rooms_page_once_configured() {
    let (root, _handle) = mount_shell(data_url(EMBEDDED_CONFIG));
    wait_for_text(&root, ".app-header .brand", "moodchat").await;
    // "/" redirects to the room list, which links to the lobby.
    wait_for_text(&root, ".page-rooms h1", "Rooms").await;
    wait_for_text(&root, ".room-list .room-link", "Lobby").await;
    let status = wait_for(".connection", || query(&root, ".connection")).await;
    assert_eq!(status.get_attribute("role").as_deref(), Some("status"));
    // Signed in, the chat client starts connecting (no backend here): whatever
    // the state, it is said in words.
    let said = status.text_content().unwrap();
    assert!(["Not connected", "Connecting", "Connected", "Reconnecting", "Offline"].iter().any(|state| said.contains(state)), "{said}");
    assert!(query(&root, "main#main").is_some(), "content landmark for the skip link");
}

#[wasm_bindgen_test]
async fn a_missing_configuration_shows_a_translated_error_page_with_retry() {
    let (root, _handle) = mount_shell("/no-such-config.json".into());
    let page = wait_for_text(&root, ".config-error h1", "can't start").await;
    assert!(page.parent_element().unwrap().text_content().unwrap().contains("HTTP 404"));
    assert!(query(&root, ".config-error button").is_some(), "a retry button");
    assert!(query(&root, ".page-rooms").is_none(), "no app without configuration");

    select(&root, ".language-switch", "ko").await;
    wait_for_text(&root, ".config-error h1", "무드챗을 시작할 수 없습니다").await;
    wait_for_text(&root, ".config-error button", "다시 시도").await;
}

#[wasm_bindgen_test]
async fn an_invalid_configuration_is_explained() {
    let (root, _handle) = mount_shell(data_url(r#"{"api_url": 42}"#));
    wait_for_text(&root, ".config-error .error-reason", "not valid").await;
}

#[wasm_bindgen_test]
async fn switching_to_korean_translates_and_is_remembered() {
    let (root, handle) = mount_shell(data_url(EMBEDDED_CONFIG));
    wait_for_text(&root, ".page-rooms h1", "Rooms").await;
    select(&root, ".language-switch", "ko").await;
    wait_for_text(&root, ".page-rooms h1", "대화방").await;
    let html = support::document().document_element().unwrap();
    assert_eq!(html.get_attribute("lang").as_deref(), Some("ko"));
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    assert_eq!(storage.get_item("moodchat.locale").unwrap().as_deref(), Some("ko"));
    drop(handle);
}

#[wasm_bindgen_test]
async fn the_theme_switch_sets_data_theme_on_the_root() {
    let (root, _handle) = mount_shell(data_url(EMBEDDED_CONFIG));
    wait_for_text(&root, ".page-rooms h1", "Rooms").await;
    let html = support::document().document_element().unwrap();
    select(&root, ".theme-switch", "dark").await;
    wait_for("data-theme=dark", || (html.get_attribute("data-theme").as_deref() == Some("dark")).then_some(())).await;
    select(&root, ".theme-switch", "system").await;
    wait_for("no data-theme", || html.get_attribute("data-theme").is_none().then_some(())).await;
}
