//! What the message list does with clicks and keys in its rows, by
//! delegation: rows are plain DOM without handlers (`message_row`), and a
//! keyboard activation of a button is a click too. Retry buttons, images,
//! mood pickers (`mood_badge`), one's own message menu (`message_menu`) and
//! reactions (`reaction_chips`: the chips and the picker's button), replies
//! (`replies`: the reply button, and a quote that jumps to its original);
//! the pickers and the menu are chunks of their own, fetched when opened.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent, MouseEvent};

use super::{image_viewer, message_menu, mood_badge, reaction_chips, replies, Chat};
use crate::i18n::Locale;

fn target_of(event: &web_sys::Event) -> Option<Element> {
    event.target().and_then(|target| target.dyn_into::<Element>().ok())
}

pub fn click(event: &MouseEvent, on_retry: Callback<String>, chat: Option<Chat>, locale: Locale) {
    let Some(target) = target_of(event) else { return };
    let closest = |selector: &str| target.closest(selector).ok().flatten();
    if let Some(button) = closest(replies::BUTTON) {
        if let Some(chat) = chat {
            replies::start(chat, &button);
        }
    } else if let (Some(quote), Some(chat)) = (closest(replies::QUOTE), chat) {
        leptos::task::spawn_local(crate::search::show_original(chat, quote, locale));
    } else if let Some(button) = closest("button.retry") {
        if let Some(client_id) = button.get_attribute("data-client-id") {
            on_retry.run(client_id);
        }
    } else if let Some(opener) = closest(image_viewer::OPENER) {
        leptos::task::spawn_local(image_viewer::show(opener, locale));
    } else if let Some(button) = closest(mood_badge::BUTTON) {
        leptos::task::spawn_local(mood_badge::toggle(button, locale));
    } else if let (Some(option), Some(chat)) = (closest(mood_badge::OPTION), chat) {
        leptos::task::spawn_local(mood_badge::choose(option, chat, locale));
    } else if let Some(pressed) = closest(message_menu::BUTTON)
        .or_else(|| closest(message_menu::OPTION))
        .or_else(|| closest(reaction_chips::CHIP))
        .or_else(|| closest(reaction_chips::BUTTON))
    {
        leptos::task::spawn_local(message_menu::press(pressed, chat, locale));
    }
}

/// Escape closes an open picker or menu (focus back on its button); the
/// arrow keys, Home and End move between its items, as in any menu (the
/// WAI-ARIA menu pattern; Tab works too). (The editor's Enter is the menu
/// chunk's own.)
pub fn keydown(event: &KeyboardEvent, locale: Locale) {
    let Some(target) = target_of(event) else { return };
    if move_in_menu(&target, &event.key()) {
        event.prevent_default();
        return;
    }
    if event.key() != "Escape" {
        return;
    }
    if let Some(button) = mood_badge::picker_button(&target) {
        leptos::task::spawn_local(mood_badge::toggle(button, locale));
    } else if let Some(button) = message_menu::menu_button(&target) {
        event.prevent_default();
        leptos::task::spawn_local(message_menu::press(button, None, locale));
    }
}

/// Moves the focus from `item` to the next, previous, first or last item of
/// its menu (wrapping around); false if `key` is not such a move or `item`
/// is not in a menu.
fn move_in_menu(item: &Element, key: &str) -> bool {
    let step: i64 = match key {
        "ArrowDown" | "ArrowRight" => 1,
        "ArrowUp" | "ArrowLeft" => -1,
        "Home" => i64::MIN,
        "End" => i64::MAX,
        _ => return false,
    };
    let Some(menu) = item.closest("[role=menu]").ok().flatten() else { return false };
    let Ok(items) = menu.query_selector_all("[role^=menuitem]") else { return false };
    let count = i64::from(items.length());
    if count == 0 {
        return false;
    }
    let current = (0..items.length()).find(|&i| items.item(i).as_ref() == Some(item.as_ref())).map_or(-1, i64::from);
    let next = match step {
        i64::MIN => 0,
        i64::MAX => count - 1,
        step => (current + step).rem_euclid(count),
    };
    let next = items.item(next as u32).and_then(|node| node.dyn_into::<web_sys::HtmlElement>().ok());
    next.is_some_and(|next| next.focus().is_ok())
}
