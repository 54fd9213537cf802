//! Reactions in the browser: the protocol's documents for them are read as
//! docs/protocol.md says, a reaction is a change like an edit (the copy with
//! the highest change number wins), and a row shows a chip per emoji with
//! its count, pressed when it holds mine, named for a screen reader in
//! English and Korean, plus the picker's button on every sent message.
#![cfg(target_arch = "wasm32")]

use moodchat_protocol::{Message, Reaction, UserRef};
use moodchat_web::chat::message_row::{build_row, RowData};
use moodchat_web::chat::store::{SendState, Timeline};
use moodchat_web::chat::wire::{event, Event};
use moodchat_web::i18n::Locale;
use wasm_bindgen_test::*;

mod support;

wasm_bindgen_test_configure!(run_in_browser);

fn person(sub: &str, name: &str) -> UserRef {
    UserRef { sub: sub.into(), name: name.into() }
}

fn message(reactions: Vec<Reaction>, change: u64) -> Message {
    Message {
        id: "01J".into(),
        room: "lobby".into(),
        sender: person("a", "Ana"),
        text: "we won".into(),
        created_at: 1,
        client_id: "c".into(),
        change,
        reactions,
        ..Default::default()
    }
}

fn row(message: Message, me: &str) -> RowData {
    support::sent_row(message, me)
}

#[wasm_bindgen_test]
fn a_reaction_arrives_as_a_change_and_the_latest_wins() {
    let frame = r#"{"type":"message_changed","message":{"id":"01J","room":"lobby","seq":1,"sender":{"sub":"a","name":"Ana"},
        "text":"we won","created_at":1,"client_id":"c","change":2,
        "reactions":[{"emoji":"👍","users":[{"sub":"b","name":"Bo"},{"sub":"a","name":"Ana"}]},{"emoji":"❤️","users":[{"sub":"b","name":"Bo"}]}]}}"#;
    let Some(Event::Changed(changed)) = event(frame) else { panic!("not read: {frame}") };
    assert_eq!(changed.reactions.len(), 2);
    assert_eq!(changed.reactions[0].users, [person("b", "Bo"), person("a", "Ana")]);
    assert!(changed.reacted("❤️", "b") && !changed.reacted("❤️", "a"));

    let mut timeline = Timeline::default();
    timeline.insert(message(Vec::new(), 0));
    assert!(timeline.changed(changed.clone()));
    assert!(!timeline.changed(message(vec![Reaction { emoji: "👍".into(), users: vec![person("b", "Bo")] }], 1)), "older");
    assert_eq!(timeline.messages, [changed]);
}

#[wasm_bindgen_test]
fn chips_show_counts_mine_pressed_and_who_in_both_languages() {
    let reactions = vec![
        Reaction { emoji: "👍".into(), users: vec![person("b", "Bo"), person("a", "Ana")] },
        Reaction { emoji: "🙏".into(), users: (0..12).map(|n| person(&format!("p{n}"), &format!("P{n}"))).collect() },
    ];
    let shown = build_row(&row(message(reactions.clone(), 3), "a"), Locale::En.texts(), "en");
    let chips = shown.query_selector_all("button.reaction").unwrap();
    assert_eq!(chips.length(), 2);
    let chip = |at: u32| chips.item(at).unwrap().dyn_into::<web_sys::Element>().unwrap();
    let attr = |at: u32, name: &str| chip(at).get_attribute(name).unwrap_or_default();
    assert_eq!((attr(0, "data-emoji"), attr(0, "aria-pressed")), ("👍".into(), "true".into()), "mine");
    assert_eq!(attr(0, "aria-label"), "thumbs up 2: Bo, Ana");
    assert_eq!(attr(1, "aria-pressed"), "false");
    assert_eq!(attr(1, "aria-label"), "thank you 12: P0, P1, P2, P3, P4, P5, P6, P7, P8, P9, +2", "bounded");
    assert_eq!(chip(1).text_content().unwrap(), "🙏12");
    assert!(shown.query_selector("button.react-button[aria-haspopup=menu]").unwrap().is_some());

    let in_korean = build_row(&row(message(reactions, 3), "b"), Locale::Ko.texts(), "ko");
    let first = in_korean.query_selector("button.reaction").unwrap().unwrap();
    assert_eq!(first.get_attribute("aria-label").unwrap(), "좋아요 2명: Bo, Ana");
    assert_eq!(first.get_attribute("aria-pressed").unwrap(), "true", "Bo's too");
    let group = in_korean.query_selector(".reactions").unwrap().unwrap();
    assert_eq!((group.get_attribute("role").unwrap(), group.get_attribute("aria-label").unwrap()), ("group".into(), "반응".into()));
}

#[wasm_bindgen_test]
fn no_chips_without_reactions_and_nothing_to_react_to_on_an_unsent_or_pending_message() {
    let plain = build_row(&row(message(Vec::new(), 0), "a"), Locale::En.texts(), "en");
    assert!(plain.query_selector(".reactions").unwrap().is_none());
    let unsent = Message { text: String::new(), deleted_at: Some(5), ..message(Vec::new(), 4) };
    let shown = build_row(&row(unsent, "a"), Locale::En.texts(), "en");
    assert!(shown.query_selector("button.react-button").unwrap().is_none());
    let pending = RowData { state: SendState::Sending, ..row(Message { id: String::new(), ..message(Vec::new(), 0) }, "a") };
    let shown = build_row(&pending, Locale::En.texts(), "en");
    assert!(shown.query_selector("button.react-button").unwrap().is_none());
}

use wasm_bindgen::JsCast;
