//! Helpers for the SPA's browser tests: mounting into a fresh container and
//! waiting for the DOM to reach a state (resources and router navigations
//! take several ticks, so tests poll with a deadline instead of sleeping).

#![allow(dead_code)]

use std::time::Duration;

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

pub fn document() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A new, empty element appended to <body> for one test.
pub fn fresh_container() -> HtmlElement {
    let container = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    container.unchecked_into()
}

/// Resolves after `duration` through the browser's timer.
pub async fn tick(duration: Duration) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, duration.as_millis() as i32)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Polls `find` every 10 ms until it returns something, for at most 3 s.
pub async fn wait_for<T>(what: &str, mut find: impl FnMut() -> Option<T>) -> T {
    let deadline = js_sys::Date::now() + 3000.0;
    loop {
        if let Some(found) = find() {
            return found;
        }
        if js_sys::Date::now() > deadline {
            panic!("timed out waiting for {what}; body: {}", document().body().unwrap().inner_html());
        }
        tick(Duration::from_millis(10)).await;
    }
}

/// The first element matching `selector` inside `root`.
pub fn query(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).ok().flatten()
}

/// Waits until an element matching `selector` exists and its text contains `text`.
pub async fn wait_for_text(root: &Element, selector: &str, text: &str) -> Element {
    wait_for(&format!("{selector} containing {text:?}"), || {
        query(root, selector).filter(|element| element.text_content().unwrap_or_default().contains(text))
    })
    .await
}

/// `data:` URL of a JSON document, so tests can serve any configuration
/// without a server.
pub fn data_url(json: &str) -> String {
    format!("data:application/json,{}", String::from(js_sys::encode_uri_component(json)))
}

pub const EMBEDDED_CONFIG: &str = r#"{"api_url":"/api","ws_url":"/api/ws","transport":"auto",
    "cognito":{"region":"local","user_pool_id":"local_moodchat","client_id":"moodchat-web","endpoint":"/idp/"}}"#;

/// An unsigned JWT whose payload is `payload` (the app reads claims, the
/// backend checks signatures).
pub fn fake_jwt(payload: &str) -> String {
    let encoded = web_sys::window().unwrap().btoa(payload).unwrap();
    let url_safe = encoded.trim_end_matches('=').replace('+', "-").replace('/', "_");
    ["eyJhbGciOiJSUzI1NiJ9", &url_safe, "c2ln"].join(".")
}

fn local_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// Leaves a session in localStorage as a sign-in would, valid for an hour,
/// so the next app mounted starts signed in as `name`.
pub fn store_session(name: &str) {
    let now = (js_sys::Date::now() / 1000.0) as u64;
    let payload = format!(r#"{{"sub":"sub-{name}","name":"{name}","email":"{name}@example.com","iat":{now},"exp":{}}}"#, now + 3600);
    let storage = local_storage();
    storage.set_item("moodchat.session.id_token", &fake_jwt(&payload)).unwrap();
    storage.set_item("moodchat.session.access_token", "access").unwrap();
    storage.set_item("moodchat.session.refresh_token", "refresh").unwrap();
}

/// Forgets any session and remembered return path.
pub fn clear_session() {
    let storage = local_storage();
    for key in ["moodchat.session.id_token", "moodchat.session.access_token", "moodchat.session.refresh_token", "moodchat.return_to"] {
        storage.remove_item(key).unwrap();
    }
}

/// Puts the browser at `path` before an app is mounted (the router reads it).
pub fn go_to(path: &str) {
    web_sys::window().unwrap().history().unwrap().push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path)).unwrap();
}

/// The page's current path.
pub fn current_path() -> String {
    web_sys::window().unwrap().location().pathname().unwrap()
}

/// Someone else's sent message as a row of the list, read by `me` (a sub):
/// the first of its group, nothing else marked.
pub fn sent_row(message: moodchat_protocol::Message, me: &str) -> moodchat_web::chat::message_row::RowData {
    moodchat_web::chat::message_row::RowData {
        key: message.id.clone(),
        message,
        state: moodchat_web::chat::store::SendState::Sent,
        mine: false,
        new_day: false,
        new_group: true,
        unread_line: false,
        target: false,
        me: me.into(),
        mentions_me: false,
    }
}
