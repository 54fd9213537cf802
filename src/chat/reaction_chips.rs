//! What a row shows of reactions (docs/protocol.md, "Reactions"): a chip per
//! emoji under the message, with its count, pressed when it holds mine, and
//! the button that opens the picker. Plain DOM without handlers, like the
//! rest of the row: a click or a key on a chip or the button goes, by
//! delegation (`row_events`), to the menu's chunk (`message_menu`), which
//! sets the reaction on or off (`reactions`).

use moodchat_protocol::limits::reaction_index;
use moodchat_protocol::Message;
use web_sys::{Document, Element};

use super::dom::{append, element, set, with_text};
use crate::i18n::Texts;

/// A reaction's chip under a message.
pub const CHIP: &str = "button.reaction";
/// The button that opens the reaction picker.
pub const BUTTON: &str = "button.react-button";
/// Names a chip's title and accessible name list before "+N".
const NAMES_SHOWN: usize = 10;

/// The button that opens the picker, on a message that can be reacted to.
pub fn react_button(document: &Document, message: &Message, t: &Texts) -> Element {
    let button = with_text(document, "button", "react-button", "☺");
    set(&button, "type", "button");
    set(&button, "aria-haspopup", "menu");
    set(&button, "aria-expanded", "false");
    set(&button, "aria-label", t.chat_react);
    set(&button, "title", t.chat_react);
    target(&button, message);
    button
}

/// The chips, or `None` when nobody reacted.
pub fn chips(document: &Document, message: &Message, me: &str, t: &Texts) -> Option<Element> {
    if message.reactions.is_empty() || message.deleted_at.is_some() {
        return None;
    }
    let group = element(document, "div", "reactions");
    set(&group, "role", "group");
    set(&group, "aria-label", t.chat_reactions);
    for reaction in &message.reactions {
        let mine = reaction.users.iter().any(|user| user.sub == me);
        let count = reaction.users.len().to_string();
        let chip = element(document, "button", "reaction");
        set(&chip, "type", "button");
        set(&chip, "aria-pressed", if mine { "true" } else { "false" });
        set(&chip, "data-emoji", &reaction.emoji);
        target(&chip, message);
        let emoji = with_text(document, "span", "reaction-emoji", &reaction.emoji);
        set(&emoji, "aria-hidden", "true");
        append(&chip, &emoji);
        append(&chip, &with_text(document, "span", "reaction-count", &count));
        // Who: in the tooltip, and after the emoji's name and the count
        // for a screen reader ("thumbs up 2: alice, bob", "좋아요 2명: ...").
        let mut names: Vec<&str> = reaction.users.iter().take(NAMES_SHOWN).map(|user| user.name.as_str()).collect();
        let more = reaction.users.len().saturating_sub(NAMES_SHOWN);
        let more = if more > 0 { ["+", &more.to_string()].concat() } else { String::new() };
        if !more.is_empty() {
            names.push(&more);
        }
        let names = names.join(", ");
        let name = reaction_index(&reaction.emoji).map_or(reaction.emoji.as_str(), |at| t.chat_reaction_names[at]);
        set(&chip, "title", &names);
        set(&chip, "aria-label", &[name, " ", &count, t.chat_people_suffix, ": ", &names].concat());
        append(&group, &chip);
    }
    Some(group)
}

/// Which message a chip or the button is about.
fn target(button: &Element, message: &Message) {
    set(button, "data-room", &message.room);
    set(button, "data-message-id", &message.id);
}
