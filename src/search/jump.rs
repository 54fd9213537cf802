//! Jumping to a search result: the room opens, the message is loaded (with
//! the messages around it when it is far back: `?around=`) and the list
//! brings it to its middle, marked, and focuses it for keyboard and screen
//! reader users (`Timeline::jump_to`). Scrolling down from a window far
//! back fills the gap up to the newest messages a page at a time
//! (`fill_gap`).

use std::cell::Cell;

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::chat::store::Timeline;
use crate::chat::Chat;

/// How long the room may take to load its newest page before the jump.
const LOAD_WAIT_MS: i32 = 10_000;

/// Resolves after `ms` milliseconds (the panel's typing pause).
pub async fn sleep(ms: i32) {
    let _ = wasm_bindgen_futures::JsFuture::from(timeout(ms)).await;
}

fn timeout(ms: i32) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    })
}

/// Resolves once `timeline` has loaded its newest page (or is known to be
/// missing), as soon as it changes so, or after `LOAD_WAIT_MS`.
async fn loaded(timeline: RwSignal<Timeline>) {
    let mut resolve = None;
    let ready = js_sys::Promise::new(&mut |ok, _| resolve = Some(ok));
    let Some(resolve) = resolve else { return };
    let watch = Effect::new(move |_| {
        if timeline.with(|t| t.loaded || t.missing) {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let either = js_sys::Promise::race(&js_sys::Array::of2(&ready, &timeout(LOAD_WAIT_MS)));
    let _ = wasm_bindgen_futures::JsFuture::from(either).await;
    watch.dispose();
}

/// Shows message `id` of `room` (already navigated to): the list brings it
/// into view, marked, and gives it the keyboard focus once it is drawn.
/// False when it could not be loaded.
pub async fn show(chat: Chat, room: String, id: String) -> bool {
    let timeline = chat.timeline(&room);
    // The room view loads the newest page first; the window around the
    // message is placed against it.
    loaded(timeline).await;
    if timeline.with_untracked(|t| t.index_of(&id).is_some()) {
        timeline.update(|t| t.jump_to(&id));
        return true;
    }
    let Some(api) = chat.api() else { return false };
    let Ok(page) = api.around(&room, &id).await else { return false };
    if !page.messages.iter().any(|m| m.id == id) {
        return false;
    }
    timeline.update(|t| t.show_around(page.messages, page.before, &id));
    true
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
    if let Ok(page) = api.messages(&room, None, Some(&gap.to_string()), None).await {
        timeline.update(|t| t.fill_gap(page.messages));
    }
    FILLING.with(|filling| filling.set(false));
}
