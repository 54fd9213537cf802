//! Replies in the browser: a reply's quote is read from the protocol's
//! documents and kept in the outbox across a reload; a row shows the quote
//! (the original's sender and text, "Photo" for an image alone, deleted
//! once unsent, named for a screen reader) and the reply button; the
//! timeline's quotes, and the reply being written, follow their original's
//! changes.
#![cfg(target_arch = "wasm32")]

use moodchat_protocol::{Message, Quote, UserRef};
use moodchat_web::chat::message_row::{build_row, RowData};
use moodchat_web::chat::outbox;
use moodchat_web::chat::store::{Pending, SendState, Timeline};
use moodchat_web::chat::wire::{event, Event};
use moodchat_web::i18n::Locale;
use wasm_bindgen_test::*;

mod support;

wasm_bindgen_test_configure!(run_in_browser);

fn person(sub: &str, name: &str) -> UserRef {
    UserRef { sub: sub.into(), name: name.into() }
}

fn message(id: &str, text: &str, reply_to: Option<Quote>) -> Message {
    Message {
        id: id.into(),
        room: "lobby".into(),
        sender: person("a", "Ana"),
        text: text.into(),
        created_at: 1,
        client_id: format!("c-{id}"),
        reply_to,
        ..Default::default()
    }
}

fn row(message: Message) -> RowData {
    support::sent_row(message, "b")
}

fn quote_of(row: &RowData, locale: Locale) -> (String, String, String, bool) {
    let shown = build_row(row, locale.texts(), "en");
    let quote = shown.query_selector("button.reply-quote").unwrap().expect("a quote");
    let part = |css: &str| quote.query_selector(css).unwrap().unwrap().text_content().unwrap_or_default();
    (
        part(".quote-sender"),
        part(".quote-text"),
        quote.get_attribute("aria-label").unwrap_or_default(),
        quote.class_list().contains("deleted"),
    )
}

#[wasm_bindgen_test]
fn a_reply_is_read_with_its_quote() {
    let frame = r#"{"type":"message","message":{"id":"01K","room":"lobby","seq":9,"sender":{"sub":"b","name":"Bo"},
        "text":"yes","created_at":2,"client_id":"c",
        "reply_to":{"id":"01J","seq":4,"sender":{"sub":"a","name":"Ana"},"text":"lunch?","image":true}}}"#;
    let Some(Event::Message(message)) = event(frame) else { panic!("not read: {frame}") };
    let quote = message.reply_to.expect("the quote");
    assert_eq!((quote.id.as_str(), quote.seq, quote.sender.name.as_str()), ("01J", 4, "Ana"));
    assert_eq!((quote.text.as_str(), quote.image, quote.deleted), ("lunch?", true, false));
}

#[wasm_bindgen_test]
fn a_row_shows_the_quote_and_the_reply_button() {
    let original = message("01J", "lunch at noon?", None);
    let reply = row(message("01K", "yes", Some(Quote::of(&original))));
    let (sender, text, label, deleted) = quote_of(&reply, Locale::En);
    assert_eq!((sender.as_str(), text.as_str(), deleted), ("Ana", "lunch at noon?", false));
    assert_eq!(label, "In reply to Ana: lunch at noon?");
    let (_, _, label, _) = quote_of(&reply, Locale::Ko);
    assert_eq!(label, "답장 원문 Ana: lunch at noon?");

    let shown = build_row(&reply, Locale::En.texts(), "en");
    let button = shown.query_selector("button.reply-button").unwrap().expect("the reply button");
    assert_eq!(button.get_attribute("data-message-id").as_deref(), Some("01K"));
    assert_eq!(button.get_attribute("aria-label").as_deref(), Some("Reply"));

    // An image alone is "Photo"; an unsent original is deleted.
    let photo = Quote { text: String::new(), image: true, ..Quote::of(&original) };
    let (_, text, _, _) = quote_of(&row(message("01K", "nice", Some(photo))), Locale::En);
    assert_eq!(text, "Photo");
    let unsent = Quote::of(&Message { text: String::new(), deleted_at: Some(3), ..original });
    let (_, text, _, deleted) = quote_of(&row(message("01K", "yes", Some(unsent))), Locale::Ko);
    assert_eq!((text.as_str(), deleted), ("삭제된 메시지입니다", true));
}

#[wasm_bindgen_test]
fn nothing_to_reply_to_on_an_unsent_or_pending_message() {
    let quoted = Some(Quote::of(&message("01J", "hi", None)));
    let unsent = Message { text: String::new(), deleted_at: Some(5), ..message("01K", "", quoted) };
    let shown = build_row(&row(unsent), Locale::En.texts(), "en");
    assert!(shown.query_selector("button.reply-button").unwrap().is_none());
    assert!(shown.query_selector("button.reply-quote").unwrap().is_none(), "an unsent reply quotes nothing");
    let pending = RowData { state: SendState::Sending, ..row(message("", "soon", None)) };
    let shown = build_row(&pending, Locale::En.texts(), "en");
    assert!(shown.query_selector("button.reply-button").unwrap().is_none());
}

#[wasm_bindgen_test]
fn quotes_follow_their_originals_changes() {
    let original = message("01J", "see you at 3", None);
    let mut timeline = Timeline::default();
    timeline.insert(original.clone());
    timeline.insert(message("01K", "ok", Some(Quote::of(&original))));
    timeline.replying = Some(Quote::of(&original));

    let edited = Message { text: "see you at 4".into(), edited_at: Some(2), change: 1, ..original.clone() };
    assert!(timeline.changed(edited));
    assert_eq!(timeline.messages[1].reply_to.as_ref().unwrap().text, "see you at 4");
    assert_eq!(timeline.replying.as_ref().unwrap().text, "see you at 4", "the reply being written too");

    // Unsent: the quotes say so, and nobody can answer it any more.
    let unsent = Message { text: String::new(), deleted_at: Some(3), change: 2, ..original.clone() };
    assert!(timeline.changed(unsent));
    assert!(timeline.messages[1].reply_to.as_ref().unwrap().deleted);
    assert_eq!(timeline.replying, None);

    // An original not loaded here (far back) still updates its quotes.
    let mut recent = Timeline::default();
    recent.insert(message("01M", "re: old", Some(Quote::of(&message("01A", "old words", None)))));
    let far = Message { text: "new words".into(), change: 5, ..message("01A", "", None) };
    assert!(recent.changed(far));
    assert_eq!(recent.messages[0].reply_to.as_ref().unwrap().text, "new words");
    assert!(recent.messages.iter().all(|m| m.id != "01A"), "and is not added");
}

#[wasm_bindgen_test]
fn an_unsent_reply_keeps_its_quote_across_a_reload() {
    let me = person("reply-outbox", "Me");
    let pending = Pending {
        client_id: "c1".into(),
        room: "lobby".into(),
        sender: me.clone(),
        text: "yes!".into(),
        image_key: None,
        reply_to: Some(Quote::of(&message("01J", "lunch?", None))),
        created_at: 5,
        state: SendState::Sending,
    };
    outbox::save(&me, [&pending]);
    assert_eq!(outbox::load(&me), vec![pending.clone()]);
    assert_eq!(pending.as_message().reply_to, pending.reply_to, "shown with its quote while pending");
    outbox::save(&me, []);
}
