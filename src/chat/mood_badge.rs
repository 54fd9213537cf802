//! The mood badge of a message row, and the picker its author opens on it.
//!
//! Everyone sees the mood to trust: the author's choice when they corrected
//! the model, marked as theirs (a class the stylesheet marks, and the
//! tooltip / accessible name say so along with what the model said), else
//! the model's label. On one's own message the badge is a button: it opens
//! a small menu of the three moods (and "use the model's mood" once one was
//! chosen). Plain DOM like the rows (`message_row`), handled by delegation
//! from the list (`message_list`), so no row carries handlers. The picker is
//! split off (`crate::split`): only the badge is in the first download.

use leptos::prelude::*;
use moodchat_protocol::{Message, Mood};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

use super::dom::{append, document, element, set, with_text};
use super::mood::{emoji, label_text};
use super::Chat;
use crate::i18n::{Locale, Texts};

/// The badge of one's own message (a button).
pub const BUTTON: &str = "button.mood-button";
/// An option of an open picker.
pub const OPTION: &str = ".mood-picker button[data-mood]";
const PICKER: &str = ".mood-picker";

/// "Mood: positive · 93%", or for an author's choice "Mood: negative ·
/// chosen by the author (the model said: neutral)".
pub fn describe(message: &Message, t: &Texts) -> Option<String> {
    // Joined slices rather than `format!`: this is in the first download.
    let model = message.sentiment.as_ref();
    Some(match (message.author_mood, model) {
        (Some(author), model) => {
            let mut parts = vec![t.chat_mood, ": ", label_text(author.label.as_str(), t), " · ", t.chat_mood_by_author];
            if let Some(model) = model {
                parts.extend([" (", t.chat_mood_model_said, ": ", label_text(&model.label, t), ")"]);
            }
            parts.concat()
        }
        (None, Some(model)) => super::mood::describe(model, t),
        (None, None) => return None,
    })
}

/// The badge, or nothing for a message without a mood. `editable`: the
/// reader wrote this (confirmed) message, so the badge opens the picker.
pub fn badge(document: &Document, message: &Message, editable: bool, t: &Texts) -> Option<Element> {
    let label = message.shown_mood()?;
    let description = describe(message, t)?;
    let by_author = if message.author_mood.is_some() { " by-author" } else { "" };
    let badge = if editable && !message.text.is_empty() && !message.id.is_empty() {
        let button = with_text(document, "button", &["mood mood-button", by_author].concat(), emoji(label));
        set(&button, "type", "button");
        set(&button, "aria-haspopup", "menu");
        set(&button, "aria-expanded", "false");
        set(&button, "aria-label", &[description.as_str(), ". ", t.chat_mood_change].concat());
        set(&button, "data-message-id", &message.id);
        set(&button, "data-room", &message.room);
        set(&button, "data-mood", message.author_mood.map_or("", |m| m.label.as_str()));
        button
    } else {
        let span = with_text(document, "span", &["mood", by_author].concat(), emoji(label));
        set(&span, "role", "img");
        set(&span, "aria-label", &description);
        span
    };
    set(&badge, "title", &description);
    Some(badge)
}

split_fn! { mood_menu:
    /// Opens the picker beside `button` (a `BUTTON`), or closes it when open.
    pub fn toggle(button: Element, locale: Locale) {
        toggle_picker(&button, locale.texts())
    }
}

/// Focus goes to the current choice (or the first mood), as in a menu.
fn toggle_picker(button: &Element, t: &Texts) {
    if let Some(open) = open_picker(button) {
        close(&open);
        return;
    }
    let document = document();
    let picker = element(&document, "div", "mood-picker");
    set(&picker, "role", "menu");
    set(&picker, "aria-label", t.chat_mood_change);
    let current = button.get_attribute("data-mood").unwrap_or_default();
    for mood in Mood::ALL {
        let label = mood.as_str();
        let option = with_text(&document, "button", "", &[emoji(label), " ", label_text(label, t)].concat());
        set(&option, "type", "button");
        set(&option, "role", "menuitemradio");
        set(&option, "aria-checked", if current == label { "true" } else { "false" });
        set(&option, "data-mood", label);
        append(&picker, &option);
    }
    if !current.is_empty() {
        let option = with_text(&document, "button", "", t.chat_mood_use_model);
        set(&option, "type", "button");
        set(&option, "role", "menuitem");
        set(&option, "data-mood", "");
        append(&picker, &option);
    }
    let _ = button.after_with_node_1(&picker);
    set(button, "aria-expanded", "true");
    let first = picker.query_selector("[aria-checked=true]").ok().flatten().or_else(|| picker.first_element_child());
    focus(first.as_ref());
}

/// The open picker `target` is in (where Escape was pressed), if any: the
/// list then toggles its button, which closes it.
pub fn picker_button(target: &Element) -> Option<Element> {
    target.closest(PICKER).ok().flatten()?.previous_element_sibling()
}

/// Closes a picker and gives focus back to its button.
fn close(picker: &Element) {
    let button = picker.previous_element_sibling();
    picker.remove();
    if let Some(button) = &button {
        set(button, "aria-expanded", "false");
    }
    focus(button.as_ref());
}

split_fn! { mood_menu:
    /// An option was chosen: ask the server, and show the message as it now
    /// is (everyone else hears it from the server's `author_mood` event). A
    /// refusal stays visible in the picker.
    pub async fn choose(option: Element, chat: Chat, locale: Locale) {
        set_mood(&option, chat, locale.texts()).await
    }
}

async fn set_mood(option: &Element, chat: Chat, t: &Texts) {
    let Some(picker) = option.closest(PICKER).ok().flatten() else { return };
    let Some(button) = picker.previous_element_sibling() else { return };
    let (Some(room), Some(id)) = (button.get_attribute("data-room"), button.get_attribute("data-message-id")) else {
        return;
    };
    let mood = option.get_attribute("data-mood").as_deref().and_then(Mood::parse);
    let Some(api) = chat.api() else { return };
    match api.set_mood(&room, &id, mood).await {
        Ok(message) => {
            close(&picker);
            chat.timeline(&room).update(|timeline| {
                timeline.insert(message);
            });
        }
        Err(_) => {
            if picker.query_selector("[role=alert]").ok().flatten().is_none() {
                let problem = with_text(&document(), "p", "mood-problem", t.chat_mood_failed);
                set(&problem, "role", "alert");
                append(&picker, &problem);
            }
        }
    }
}

fn open_picker(button: &Element) -> Option<Element> {
    button.next_element_sibling().filter(|next| next.matches(PICKER).unwrap_or(false))
}

fn focus(element: Option<&Element>) {
    if let Some(element) = element.and_then(|element| element.dyn_ref::<HtmlElement>()) {
        let _ = element.focus();
    }
}
