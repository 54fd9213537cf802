//! Replies (docs/protocol.md, "Replies") in a row: the reply button that
//! makes the next message of the room answer this one, and the quote a
//! reply shows of its original, a button that jumps to it (also far back in
//! history: `crate::search::show_original`, with the search's jump). Plain DOM without handlers,
//! like the rest of the row; clicks come by delegation (`row_events`).

use leptos::prelude::*;
use moodchat_protocol::{Message, Quote};
use web_sys::{Document, Element};

use super::dom::{append, document, element, set, with_text};
use super::Chat;
use crate::i18n::Texts;

/// A row's reply button.
pub const BUTTON: &str = "button.reply-button";
/// A reply's quote of its original.
pub const QUOTE: &str = "button.reply-quote";

/// The reply button of a message that can be answered.
pub fn reply_button(document: &Document, message: &Message, t: &Texts) -> Element {
    let button = with_text(document, "button", "reply-button", "↩");
    set(&button, "type", "button");
    set(&button, "aria-label", t.chat_reply);
    set(&button, "title", t.chat_reply);
    set(&button, "data-room", &message.room);
    set(&button, "data-message-id", &message.id);
    button
}

/// What a reply shows of its original: who wrote it and the start of its
/// text ("Photo" for an image alone, "message deleted" once unsent).
pub fn quote_button(document: &Document, room: &str, quote: &Quote, t: &Texts) -> Element {
    let button = element(document, "button", if quote.deleted { "reply-quote deleted" } else { "reply-quote" });
    set(&button, "type", "button");
    set(&button, "data-room", room);
    set(&button, "data-message-id", &quote.id);
    let shown = quote_text(quote, t);
    set(&button, "aria-label", &[t.chat_quote_of, " ", &quote.sender.name, ": ", shown].concat());
    append(&button, &with_text(document, "span", "quote-sender", &quote.sender.name));
    append(&button, &with_text(document, "span", "quote-text", shown));
    button
}

/// The text a quote shows.
pub fn quote_text<'a>(quote: &'a Quote, t: &'a Texts) -> &'a str {
    match quote {
        Quote { deleted: true, .. } => t.chat_deleted,
        Quote { text, image: true, .. } if text.is_empty() => t.chat_quote_image,
        Quote { text, .. } => text,
    }
}

/// The reply button was pressed: the room's next message answers this one
/// (shown above the composer), and the composer gets the focus.
pub fn start(chat: Chat, button: &Element) {
    let (Some(room), Some(id)) = (button.get_attribute("data-room"), button.get_attribute("data-message-id")) else { return };
    chat.timeline(&room).update(|timeline| {
        timeline.replying = timeline.messages.iter().find(|m| m.id == id).map(Quote::of);
    });
    if let Some(composer) = document().get_element_by_id("composer-text") {
        super::message_menu::focus(Some(&composer));
    }
}

/// Above the composer while the next message answers another: whom, the
/// start of what they wrote, and a button that cancels (as Escape in the
/// composer does).
#[component]
pub fn ReplyBar(timeline: RwSignal<super::store::Timeline>) -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    let cancel = move |_| {
        timeline.update(|t| t.replying = None);
        if let Some(composer) = document().get_element_by_id("composer-text") {
            super::message_menu::focus(Some(&composer));
        }
    };
    move || {
        let quote = timeline.with(|t| t.replying.clone())?;
        let t = i18n.t();
        Some(view! {
            <div class="reply-bar" role="status">
                <p class="reply-bar-quote">
                    <span class="reply-bar-label">{t.chat_replying_to}</span>
                    " "
                    <span class="quote-sender">{quote.sender.name.clone()}</span>
                    <span class="quote-text">{quote_text(&quote, t).to_owned()}</span>
                </p>
                <button type="button" class="reply-cancel" aria-label=t.chat_reply_cancel title=t.chat_reply_cancel on:click=cancel>
                    "✕"
                </button>
            </div>
        })
    }
}
