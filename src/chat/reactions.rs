//! Setting one's reaction on or off (docs/protocol.md, "Reactions"), in the
//! message menu's chunk (`message_menu::press` is its one split point): the
//! picker the row's button opens, and the chips under a message. The app
//! sends what it wants (`on` = not what its copy shows for me), so a double
//! click or a retry is harmless; everyone else sees the server's
//! `message_changed`, the reactor sees the answer at once.

use leptos::prelude::*;
use moodchat_protocol::limits::REACTION_EMOJI;
use web_sys::Element;

use super::dom::{append, document, element, set, with_text};
use super::message_menu::{action, close, focus, MENU};
use super::Chat;
use crate::i18n::Texts;

/// Opens the picker under the button, or closes the open one.
pub fn toggle_picker(button: &Element, chat: Option<&Chat>, t: &Texts) {
    if let Some(open) = button.next_element_sibling().filter(|next| next.matches(MENU).unwrap_or(false)) {
        close(&open);
        return;
    }
    let picker = element(&document(), "div", "message-menu reaction-picker");
    set(&picker, "role", "menu");
    set(&picker, "aria-label", t.chat_react);
    let (room, id) = (button.get_attribute("data-room").unwrap_or_default(), button.get_attribute("data-message-id"));
    let mine = |emoji: &str| {
        let (Some(chat), Some(me), Some(id)) = (chat, chat.and_then(|chat| chat.me()), id.as_deref()) else { return false };
        chat.timeline(&room).with_untracked(|timeline| {
            timeline.messages.iter().any(|message| message.id == id && message.reacted(emoji, &me.sub))
        })
    };
    for (at, emoji) in REACTION_EMOJI.iter().enumerate() {
        let option = action(emoji, "react", "menuitemcheckbox");
        set(&option, "data-emoji", emoji);
        set(&option, "aria-checked", if mine(emoji) { "true" } else { "false" });
        set(&option, "aria-label", t.chat_reaction_names[at]);
        set(&option, "title", t.chat_reaction_names[at]);
        append(&picker, &option);
    }
    let _ = button.after_with_node_1(&picker);
    set(button, "aria-expanded", "true");
    focus(picker.first_element_child().as_ref());
}

/// `clicked` is a chip under a message or an option of the picker: the
/// reaction it names goes on, or off when it is mine.
pub async fn react(clicked: &Element, chat: Chat, t: &Texts) {
    let picker = clicked.closest(MENU).ok().flatten();
    // The picker's button (its previous sibling) or the chip names the message.
    let Some(source) = picker.as_ref().map_or(Some(clicked.clone()), |picker| picker.previous_element_sibling()) else {
        return;
    };
    let (Some(room), Some(id), Some(emoji)) =
        (source.get_attribute("data-room"), source.get_attribute("data-message-id"), clicked.get_attribute("data-emoji"))
    else {
        return;
    };
    let (Some(me), Some(api)) = (chat.me(), chat.api()) else { return };
    let mine = chat.timeline(&room).with_untracked(|timeline| {
        timeline.messages.iter().any(|message| message.id == id && message.reacted(&emoji, &me.sub))
    });
    match api.react(&room, &id, &emoji, !mine).await {
        Ok(message) => {
            if let Some(picker) = &picker {
                close(picker);
            }
            // In the room (and the room list); the `message_changed` that
            // follows changes nothing more.
            chat.changed_message(message);
            // The row is rebuilt: the focus goes back to the chip pressed
            // (gone when it was the last: then the picker's button).
            let chip = format!("button.reaction[data-message-id='{id}'][data-emoji='{emoji}']");
            let button = format!("button.react-button[data-message-id='{id}']");
            let from_chip = picker.is_none();
            set_timeout(
                move || {
                    let find = |selector: &str| document().query_selector(selector).ok().flatten();
                    focus(if from_chip { find(&chip) } else { None }.or_else(|| find(&button)).as_ref())
                },
                Default::default(),
            );
        }
        Err(_) => {
            // Said where the person is: in the picker, or after the chips.
            let place = picker.or_else(|| clicked.parent_element());
            let Some(place) = place else { return };
            if let Some(old) = place.query_selector("[role=alert]").ok().flatten() {
                old.remove();
            }
            let alert = with_text(&document(), "p", "mood-problem", t.chat_edit_failed);
            set(&alert, "role", "alert");
            append(&place, &alert);
        }
    }
}
