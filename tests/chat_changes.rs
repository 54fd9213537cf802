//! Edits, unsends and mood corrections in the browser's timeline: the copy
//! with the highest change number wins whatever order copies arrive in, the
//! timeline's change number moves only without a gap, and the protocol's
//! documents for them are read and written as docs/protocol.md says.
#![cfg(target_arch = "wasm32")]

use moodchat_protocol::{AuthorMood, Message, Mood, UserRef};
use moodchat_web::chat::store::Timeline;
use moodchat_web::chat::wire::{event, join_frame, page, parse, Event};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn message(id: &str, text: &str, change: u64) -> Message {
    Message {
        id: id.into(),
        room: "lobby".into(),
        sender: UserRef { sub: "a".into(), name: "A".into() },
        text: text.into(),
        created_at: 1,
        client_id: format!("c{id}"),
        change,
        ..Default::default()
    }
}

#[wasm_bindgen_test]
fn the_latest_change_wins_whatever_arrives_first() {
    let mut timeline = Timeline::default();
    timeline.insert_all([message("01", "hello", 0), message("02", "typo", 0)]);
    assert!(timeline.changed(message("02", "fixed", 2)));
    assert_eq!(timeline.changes, 0, "change 1 was not seen: the number stays before the gap");
    // An older copy (a page read before the edit, or a late live event) does not bring the typo back.
    timeline.insert(message("02", "typo", 0));
    assert!(!timeline.changed(message("02", "first fix", 1)));
    assert_eq!(timeline.messages[1].text, "fixed");
    assert_eq!(timeline.changes, 1, "change 1 was seen now");
    // A change to a message not loaded here is left for when its page is read.
    assert!(!timeline.changed(message("00", "old", 3)));
    assert_eq!(timeline.messages.len(), 2);
    // Moods are changes too.
    assert!(timeline.set_author_mood("01", Some(AuthorMood { label: Mood::Positive, set_at: 5 }), 4));
    assert!(!timeline.set_author_mood("02", None, 1), "older than the edit");
    assert_eq!(timeline.messages[1].text, "fixed");
}

#[wasm_bindgen_test]
fn an_unsent_message_replaces_the_text_for_good() {
    let mut timeline = Timeline::default();
    timeline.insert(message("01", "my number is 010-1234", 0));
    let unsent = Message { text: String::new(), deleted_at: Some(9), ..message("01", "", 1) };
    assert!(timeline.changed(unsent.clone()));
    timeline.insert(message("01", "my number is 010-1234", 0));
    assert_eq!(timeline.messages, [unsent]);
}

#[wasm_bindgen_test]
fn change_documents_are_read_and_written_as_documented() {
    let changed = r#"{"type":"message_changed","message":{"id":"01J","room":"lobby","seq":3,"sender":{"sub":"a","name":"A"},
        "text":"","created_at":1,"client_id":"c","deleted_at":9,"change":4}}"#;
    let Some(Event::Changed(message)) = event(changed) else { panic!("not read: {changed}") };
    assert_eq!((message.deleted_at, message.change, message.seq), (Some(9), 4, 3));
    assert_eq!(
        event(r#"{"type":"joined","room":"lobby","changes":7}"#),
        Some(Event::Joined { room: "lobby".into(), changes: 7 })
    );
    let polled = page(&parse(
        r#"{"messages":[],"before":"Mw","after":"Mw","changes":5,"changed":[{"id":"01J","room":"lobby","seq":1,
            "sender":{"sub":"a","name":"A"},"text":"edited","created_at":1,"client_id":"c","edited_at":8,"change":5}]}"#,
    ));
    assert_eq!((polled.changes, polled.changed.len()), (5, 1));
    assert_eq!((polled.changed[0].text.as_str(), polled.changed[0].edited_at), ("edited", Some(8)));
    assert_eq!(join_frame("lobby", Some("01J"), Some(5)), r#"{"action":"join","room":"lobby","since":"01J","changes":5}"#);
    assert_eq!(join_frame("lobby", None, None), r#"{"action":"join","room":"lobby"}"#);
}
