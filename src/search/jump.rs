//! Jumping to a search result: the room opens, the message is loaded (with
//! the messages around it when it is far back: `?around=`) and brought to
//! the middle of the list, marked, and focused for keyboard and screen
//! reader users. Scrolling down from a window far back fills the gap up to
//! the newest messages a page at a time (`fill_gap`).

use std::cell::Cell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::chat::Chat;

/// How long the room may take to load its newest page before the jump.
const LOAD_WAIT_MS: i32 = 10_000;
const STEP_MS: i32 = 50;

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Shows message `id` of `room` (already navigated to). False when it
/// could not be loaded.
pub async fn show(chat: Chat, room: String, id: String) -> bool {
    let timeline = chat.timeline(&room);
    // The room view loads the newest page first; the window around the
    // message is placed against it.
    let mut waited = 0;
    while !timeline.with_untracked(|t| t.loaded || t.missing) && waited < LOAD_WAIT_MS {
        sleep(STEP_MS).await;
        waited += STEP_MS;
    }
    if timeline.with_untracked(|t| t.index_of(&id).is_some()) {
        timeline.update(|t| t.focus = Some(id.clone()));
    } else {
        let Some(api) = chat.api() else { return false };
        let Ok(page) = api.around(&room, &id).await else { return false };
        if !page.messages.iter().any(|m| m.id == id) {
            return false;
        }
        timeline.update(|t| t.show_around(page.messages, page.before, &id));
    }
    mark(&id).await;
    true
}

/// Marks the message's row once the list has drawn it, and moves the
/// keyboard focus there.
async fn mark(id: &str) {
    let selector = format!(".message[data-key=\"{id}\"]");
    for _ in 0..(LOAD_WAIT_MS / STEP_MS) {
        let row = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(&selector).ok().flatten());
        if let Some(row) = row.and_then(|row| row.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = row.class_list().add_1("search-target");
            let _ = row.set_attribute("tabindex", "-1");
            let _ = row.focus();
            return;
        }
        sleep(STEP_MS).await;
    }
}

thread_local! {
    static FILLING: Cell<bool> = const { Cell::new(false) };
}

/// The reader reached the bottom of a window far back: the next page of
/// the messages after it.
pub async fn fill_gap(chat: Chat, room: String) {
    let timeline = chat.timeline(&room);
    let (Some(gap), Some(api)) = (timeline.with_untracked(|t| t.gap), chat.api()) else { return };
    if FILLING.with(|filling| filling.replace(true)) {
        return;
    }
    if let Ok(page) = api.messages(&room, None, Some(&gap.to_string())).await {
        timeline.update(|t| t.fill_gap(page.messages));
    }
    FILLING.with(|filling| filling.set(false));
}
