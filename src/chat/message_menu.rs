//! The menu of one's own message: edit (within 24 hours of sending) and
//! unsend (after a confirmation), docs/protocol.md "Edit and unsend".
//!
//! The row carries only the menu's button (`message_row`); the menu, the
//! editor and the confirmation are built here, in a chunk fetched the first
//! time a person opens the menu (`crate::split`), as plain DOM handled by
//! delegation from the list (`row_events`). Everyone else sees the result
//! from the server's `message_changed` event; the author sees the answer at
//! once. A refusal stays visible, translated, in the menu.
//!
//! Reactions (`reactions`: the picker and the chips under a message) go
//! through the same split point, in the same chunk.

use leptos::prelude::*;
use moodchat_protocol::limits::EDIT_WINDOW_MS;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement, KeyboardEvent};

use super::api::ApiError;
use super::composer::{should_send, EnterKey};
use super::dom::{append, document, element, set, with_text};
use super::{reaction_chips, reactions, Chat};
use crate::i18n::{Locale, Texts};

/// The menu button of one's own message.
pub const BUTTON: &str = "button.message-actions";
/// A button of an open menu (an option, save, cancel, confirm).
pub const OPTION: &str = ".message-menu button[data-action]";
pub(super) const MENU: &str = ".message-menu";

/// The open menu `target` is in (where Escape was pressed): its button.
pub fn menu_button(target: &Element) -> Option<Element> {
    target.closest(MENU).ok().flatten()?.previous_element_sibling()
}

split_fn! { message_menu:
    /// `clicked` is the menu's button (a `BUTTON`: open or close the menu;
    /// Escape in the menu comes here too) or one of its buttons (an
    /// `OPTION`); or the reaction picker's button, one of its options or a
    /// reaction's chip (`reaction_chips`). One split point for both keeps the main module's share of
    /// the feature to one stub.
    pub async fn press(clicked: Element, chat: Option<Chat>, locale: Locale) {
        let t = locale.texts();
        if clicked.matches(BUTTON).unwrap_or(false) {
            toggle_menu(&clicked, t);
        } else if clicked.matches(reaction_chips::BUTTON).unwrap_or(false) {
            reactions::toggle_picker(&clicked, chat.as_ref(), t);
        } else if let Some(chat) = chat {
            if clicked.has_attribute("data-emoji") {
                reactions::react(&clicked, chat, t).await;
            } else {
                act(&clicked, chat, t).await;
            }
        }
    }
}

fn toggle_menu(button: &Element, t: &Texts) {
    if let Some(open) = button.next_element_sibling().filter(|next| next.matches(MENU).unwrap_or(false)) {
        close(&open);
        return;
    }
    let menu = element(&document(), "div", "message-menu");
    set(&menu, "role", "menu");
    set(&menu, "aria-label", t.chat_message_actions);
    // An integer: parsing a float would bring 20 KB of tables into the chunk.
    let sent_at: i64 = button.get_attribute("data-created").and_then(|at| at.parse().ok()).unwrap_or_default();
    // The server decides (409 after the window); this only spares a
    // person an option that would be refused.
    if (js_sys::Date::now() as i64).saturating_sub(sent_at) < EDIT_WINDOW_MS {
        append(&menu, &action(t.chat_edit, "edit", "menuitem"));
    }
    append(&menu, &action(t.chat_unsend, "unsend", "menuitem"));
    let _ = button.after_with_node_1(&menu);
    set(button, "aria-expanded", "true");
    focus(menu.first_element_child().as_ref());
}

pub(super) fn action(label: &str, action: &str, role: &str) -> Element {
    let button = with_text(&document(), "button", "", label);
    set(&button, "type", "button");
    set(&button, "data-action", action);
    if !role.is_empty() {
        set(&button, "role", role);
    }
    button
}

/// Closes a menu and gives focus back to its button.
pub(super) fn close(menu: &Element) {
    let button = menu.previous_element_sibling();
    menu.remove();
    if let Some(button) = &button {
        set(button, "aria-expanded", "false");
    }
    focus(button.as_ref());
}

async fn act(option: &Element, chat: Chat, t: &Texts) {
    let Some(menu) = option.closest(MENU).ok().flatten() else { return };
    let Some(button) = menu.previous_element_sibling() else { return };
    let (Some(room), Some(id)) = (button.get_attribute("data-room"), button.get_attribute("data-message-id")) else {
        return;
    };
    match option.get_attribute("data-action").as_deref() {
        Some("edit") => {
            let text = chat.timeline(&room).with_untracked(|timeline| {
                timeline.messages.iter().find(|m| m.id == id).map(|m| m.text.clone()).unwrap_or_default()
            });
            open_editor(&menu, &text, t);
        }
        Some("unsend") => confirm_unsend(&menu, t),
        Some("save") => {
            let editor = menu.query_selector("textarea").ok().flatten().and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok());
            let Some(editor) = editor else { return };
            let text = editor.value();
            commit(&menu, chat, &room, &id, Some(&text), t).await;
        }
        Some("confirm-unsend") => commit(&menu, chat, &room, &id, None, t).await,
        _ => close(&menu),
    }
}

/// The menu becomes an editor: the text, Save and Cancel.
fn open_editor(menu: &Element, text: &str, t: &Texts) {
    menu.set_inner_html("");
    set(menu, "role", "dialog");
    set(menu, "aria-label", t.chat_edit);
    let editor = element(&document(), "textarea", "message-editor");
    // Enter saves, as it sends in the composer (Shift+Enter, or any Enter
    // on a phone, is a new line; an IME's Enter ends the composition).
    // (`web_sys::Event`, the signature the image viewer's closure has: no
    // second copy of the JS glue for it.)
    let on_key = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        let Some(event) = event.dyn_ref::<KeyboardEvent>() else { return };
        let enter = EnterKey::here();
        if should_send(&event.key(), event.shift_key(), event.is_composing(), event.key_code(), enter) {
            event.prevent_default();
            let menu = event.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|t| t.parent_element());
            let save = menu.and_then(|menu| menu.query_selector("[data-action=save]").ok().flatten());
            if let Some(save) = save.and_then(|save| save.dyn_into::<HtmlElement>().ok()) {
                save.click();
            }
        }
    });
    let _ = editor.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
    // Lives as long as the page: one small closure per editor opened.
    on_key.forget();
    set(&editor, "aria-label", t.chat_edit);
    set(&editor, "rows", "3");
    set(&editor, "maxlength", &moodchat_protocol::limits::MAX_TEXT_CHARS.to_string());
    if let Some(editor) = editor.dyn_ref::<HtmlTextAreaElement>() {
        editor.set_value(text);
    }
    append(menu, &editor);
    append(menu, &action(t.chat_save, "save", ""));
    append(menu, &action(t.chat_cancel, "cancel", ""));
    focus(Some(&editor));
}

/// The menu asks first: unsending cannot be undone.
fn confirm_unsend(menu: &Element, t: &Texts) {
    menu.set_inner_html("");
    set(menu, "role", "alertdialog");
    set(menu, "aria-label", t.chat_unsend_confirm);
    append(menu, &with_text(&document(), "p", "", t.chat_unsend_confirm));
    let confirm = action(t.chat_unsend, "confirm-unsend", "");
    set(&confirm, "class", "danger");
    append(menu, &confirm);
    let cancel = action(t.chat_cancel, "cancel", "");
    append(menu, &cancel);
    focus(Some(&cancel));
}

/// Edits (`Some(text)`) or unsends (`None`); the row is rebuilt from the
/// answer, which closes the menu. A refusal is said in the menu.
async fn commit(menu: &Element, chat: Chat, room: &str, id: &str, text: Option<&str>, t: &Texts) {
    let Some(api) = chat.api() else { return };
    match api.change_message(room, id, text).await {
        Ok(message) => {
            close(menu);
            // In the room and in the room list (the `message_changed` event
            // that follows changes nothing more).
            chat.changed_message(message);
            // The row is rebuilt: focus its new menu button, or (unsent: it
            // has none) the composer, once the list has rendered.
            let button = format!("button.message-actions[data-message-id='{id}']");
            set_timeout(
                move || {
                    let find = |selector: &str| document().query_selector(selector).ok().flatten();
                    focus(find(&button).or_else(|| find("#composer-text")).as_ref())
                },
                Default::default(),
            );
        }
        Err(error) => {
            let problem = match (&error, text) {
                (ApiError::Status(409, _), Some(_)) => t.chat_edit_too_late,
                _ => t.chat_edit_failed,
            };
            if let Some(old) = menu.query_selector("[role=alert]").ok().flatten() {
                old.remove();
            }
            let alert = with_text(&document(), "p", "mood-problem", problem);
            set(&alert, "role", "alert");
            append(menu, &alert);
        }
    }
}

pub(super) fn focus(element: Option<&Element>) {
    if let Some(element) = element.and_then(|element| element.dyn_ref::<HtmlElement>()) {
        let _ = element.focus();
    }
}
