//! Mentions and notifications in the browser: what counts as mentioning
//! someone, the `@` word being typed and the names it suggests, putting the
//! name in the text, which new messages notify, and a row marked for the
//! person it mentions.
#![cfg(target_arch = "wasm32")]

use moodchat_protocol::{Member, Message, Room, RoomKind, RoomSummary, UserRef};
use moodchat_web::chat::mentions::{insert_mention, suggestions, typed_mention};
use moodchat_web::chat::message_row::{build_row, RowData};
use moodchat_web::chat::notifications::{mentions, wanted};
use moodchat_web::i18n::Locale;
use wasm_bindgen_test::*;

mod support;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn a_mention_is_at_and_the_whole_name() {
    assert!(mentions("@Ana lunch?", "Ana"));
    assert!(mentions("lunch? @ana", "Ana"), "ASCII letters in any case");
    assert!(mentions("hey @Ana, lunch?", "Ana"), "punctuation ends the name");
    assert!(mentions("@민지 회의 3시", "민지"));
    assert!(mentions("@Kim Minji are you there", "Kim Minji"), "a name with a space");
    assert!(!mentions("@Anabel lunch?", "Ana"), "a longer name is someone else");
    assert!(!mentions("@민지야", "민지"), "nor a longer Korean word");
    assert!(!mentions("Ana, lunch?", "Ana"), "no @");
    assert!(!mentions("mail ana@example.com", "example"), "nor an address");
    assert!(!mentions("@", ""), "no name");
    assert!(!mentions("@회", "회의"), "shorter than the name");
    assert!(!mentions("@éx", "a"), "never cuts a character");
}

#[wasm_bindgen_test]
fn the_at_word_before_the_caret_suggests_names() {
    assert_eq!(typed_mention("hi @an", 6), Some((3, "an")));
    assert_eq!(typed_mention("@", 1), Some((0, "")));
    assert_eq!(typed_mention("hi @an there", 6), Some((3, "an")), "what follows the caret does not count");
    assert_eq!(typed_mention("mail ana@ex", 11), None, "not at the start of a word");
    assert_eq!(typed_mention("@ana done", 9), None, "a space after it ends it");
    assert_eq!(typed_mention("@민", "@민".len()), Some((0, "민")));

    let member = |sub: &str, name: &str| Member { sub: sub.into(), name: name.into(), online: false };
    let members = [member("a", "Ana"), member("b", "anabel"), member("c", "Bo"), member("me", "Andy"), member("k", "민지")];
    let names = |query: &str| suggestions(&members, query, "me").iter().map(|m| m.name.as_str()).collect::<Vec<_>>();
    assert_eq!(names("an"), ["Ana", "anabel"], "starts so, any case; never me");
    assert_eq!(names(""), ["Ana", "anabel", "Bo", "민지"]);
    assert_eq!(names("민"), ["민지"]);
    assert!(names("z").is_empty());

    let (text, caret) = insert_mention("hi @an there", 3, 6, "Ana");
    assert_eq!(text, "hi @Ana  there");
    assert_eq!(caret, 8, "after the name and its space");
    let (text, caret) = insert_mention("회의 @민", "회의 ".len(), "회의 @민".len(), "민지");
    assert_eq!((text.as_str(), caret), ("회의 @민지 ", 7), "the caret in UTF-16 units");
}

fn summary(kind: RoomKind, muted: bool) -> RoomSummary {
    RoomSummary {
        room: Room { id: "r".into(), name: "club".into(), kind },
        member: true,
        last_message: None,
        unread: 0,
        last_read_seq: 0,
        peer: None,
        muted,
        mentions: 0,
    }
}

fn message(from: &str, text: &str) -> Message {
    Message {
        id: "01J".into(),
        room: "r".into(),
        sender: UserRef { sub: from.into(), name: from.into() },
        text: text.into(),
        created_at: 1,
        client_id: "c".into(),
        ..Default::default()
    }
}

#[wasm_bindgen_test]
fn direct_messages_and_mentions_notify_while_hidden_unless_muted() {
    let me = UserRef { sub: "me".into(), name: "Ana".into() };
    let direct = summary(RoomKind::Direct, false);
    let public = summary(RoomKind::Public, false);
    assert!(wanted(&message("bo", "hi"), &direct, &me, true));
    assert!(!wanted(&message("bo", "hi"), &direct, &me, false), "the tab is in view");
    assert!(!wanted(&message("me", "hi"), &direct, &me, true), "my own");
    assert!(!wanted(&message("bo", "hi"), &summary(RoomKind::Direct, true), &me, true), "muted");
    assert!(!wanted(&message("bo", "hi all"), &public, &me, true), "a room's message that is not for me");
    assert!(wanted(&message("bo", "@ana look"), &public, &me, true), "a mention");
    assert!(!wanted(&message("bo", "@ana look"), &summary(RoomKind::Public, true), &me, true), "muted: never");
    let unsent = Message { deleted_at: Some(2), ..message("bo", "") };
    assert!(!wanted(&unsent, &direct, &me, true));
}

#[wasm_bindgen_test]
fn a_message_that_mentions_me_is_marked_for_me() {
    let row = RowData { mentions_me: true, ..support::sent_row(message("bo", "@Ana look"), "me") };
    let shown = build_row(&row, Locale::Ko.texts(), "ko");
    assert!(shown.class_list().contains("mentions-me"));
    assert!(shown.text_content().unwrap_or_default().contains("나를 언급함"), "said to a screen reader");
    let other = build_row(&RowData { mentions_me: false, ..row }, Locale::En.texts(), "en");
    assert!(!other.class_list().contains("mentions-me"));
}
