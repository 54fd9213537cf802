//! Corrections by the author, exercised through the in-memory adapters: who
//! may correct, what everyone in the room sees, what every read path returns,
//! and what the export writes.

use std::sync::Arc;

use futures_executor::block_on;
use moodchat_core::memory::{InMemoryHub, InMemoryStore, ThreadSpawner};
use moodchat_core::mood_export::{export_tsv, HEADER};
use moodchat_core::{ChatService, ConnectionId, Identity, SendRequest};
use moodchat_protocol::rest::HistoryQuery;
use moodchat_protocol::{ErrorCode, Mood, ServerEvent};

struct World {
    chat: ChatService,
    hub: Arc<InMemoryHub>,
    store: Arc<InMemoryStore>,
}

fn world() -> World {
    let hub = Arc::new(InMemoryHub::default());
    let store = Arc::new(InMemoryStore::default());
    let chat = ChatService::builder(store.clone(), hub.clone(), hub.clone(), Arc::new(ThreadSpawner)).build();
    World { chat, hub, store }
}

fn user(name: &str) -> Identity {
    Identity { sub: format!("sub-{name}"), username: name.into(), name: name.into(), email: None }
}

fn send(text: &str, client_id: &str) -> SendRequest {
    SendRequest { client_id: client_id.into(), text: Some(text.into()), image_key: None, reply_to: None }
}

#[test]
fn the_author_corrects_and_everyone_in_the_room_hears_it_live() {
    block_on(async {
        let w = world();
        let (alice, bob) = (user("alice"), user("bob"));
        let (a, b) = (ConnectionId("a".into()), ConnectionId("b".into()));
        for (who, conn) in [(&alice, &a), (&bob, &b)] {
            w.chat.register(who).await.unwrap();
            w.chat.connect(who, conn).await.unwrap();
            w.chat.join_live(who, conn, "lobby").await.unwrap();
        }
        let sent = w.chat.send(&alice, "lobby", send("도와줘서 진짜 고마워", "k")).await.unwrap().message;
        w.hub.take_events(&a);
        w.hub.take_events(&b);

        let corrected = w.chat.set_author_mood(&alice, "lobby", &sent.id, Some(Mood::Positive)).await.unwrap();
        assert_eq!(corrected.author_mood.map(|m| m.label), Some(Mood::Positive));
        assert_eq!(corrected.sentiment, sent.sentiment, "the model's label stays");
        for conn in [&a, &b] {
            let events = w.hub.take_events(conn);
            assert!(
                events.iter().any(|e| matches!(e, ServerEvent::AuthorMood { message_id, author_mood: Some(m), .. }
                    if *message_id == sent.id && m.label == Mood::Positive)),
                "{conn:?}: {events:?}"
            );
        }

        let cleared = w.chat.set_author_mood(&alice, "lobby", &sent.id.to_lowercase(), None).await.unwrap();
        assert_eq!(cleared.author_mood, None);
        let events = w.hub.take_events(&b);
        assert!(events.iter().any(|e| matches!(e, ServerEvent::AuthorMood { author_mood: None, .. })), "{events:?}");
    });
}

#[test]
fn only_the_author_may_correct_and_bad_targets_are_clear_errors() {
    block_on(async {
        let w = world();
        let (alice, bob) = (user("alice"), user("bob"));
        w.chat.register(&alice).await.unwrap();
        w.chat.register(&bob).await.unwrap();
        let sent = w.chat.send(&alice, "lobby", send("hello", "k")).await.unwrap().message;
        let bob_conn = ConnectionId("b".into());
        w.chat.connect(&bob, &bob_conn).await.unwrap();
        w.chat.join_live(&bob, &bob_conn, "lobby").await.unwrap();
        w.hub.take_events(&bob_conn);

        let code = |result: Result<_, moodchat_protocol::ApiError>| result.unwrap_err().code;
        let someone_elses = w.chat.set_author_mood(&bob, "lobby", &sent.id, Some(Mood::Negative)).await;
        assert_eq!(code(someone_elses), ErrorCode::Forbidden);
        let unknown = w.chat.set_author_mood(&alice, "lobby", "01ARZ3NDEKTSV4RRFFQ69G5FAV", Some(Mood::Negative)).await;
        assert_eq!(code(unknown), ErrorCode::NotFound);
        let not_an_id = w.chat.set_author_mood(&alice, "lobby", "'; DROP TABLE messages;--", Some(Mood::Negative)).await;
        assert_eq!(code(not_an_id), ErrorCode::BadRequest);
        let no_room = w.chat.set_author_mood(&alice, "nope", &sent.id, Some(Mood::Negative)).await;
        assert_eq!(code(no_room), ErrorCode::NotFound);

        // The same id in another room is not that room's message.
        let dm = w.chat.open_direct(&alice, "bob").await.unwrap();
        let wrong_room = w.chat.set_author_mood(&alice, &dm.id, &sent.id, Some(Mood::Negative)).await;
        assert_eq!(code(wrong_room), ErrorCode::NotFound);
        // A stranger cannot reach a direct conversation's messages at all.
        let eve = user("eve");
        w.chat.register(&eve).await.unwrap();
        let in_dm = w.chat.send(&alice, &dm.id, send("psst", "d")).await.unwrap().message;
        assert_eq!(code(w.chat.set_author_mood(&eve, &dm.id, &in_dm.id, None).await), ErrorCode::Forbidden);

        let page = w.chat.history(&bob, "lobby", &HistoryQuery::default()).await.unwrap();
        assert_eq!(page.messages[0].author_mood, None, "nothing changed");
        assert!(
            !w.hub.take_events(&bob_conn).iter().any(|e| matches!(e, ServerEvent::AuthorMood { .. })),
            "no event for a refused correction"
        );
    });
}

#[test]
fn history_backfill_and_room_lists_return_the_corrected_mood() {
    block_on(async {
        let w = world();
        let (alice, bob) = (user("alice"), user("bob"));
        w.chat.register(&alice).await.unwrap();
        w.chat.register(&bob).await.unwrap();
        let first = w.chat.send(&alice, "lobby", send("first", "k1")).await.unwrap().message;
        let second = w.chat.send(&alice, "lobby", send("내일 면접이라 너무 떨려", "k2")).await.unwrap().message;
        w.chat.set_author_mood(&alice, "lobby", &second.id, Some(Mood::Negative)).await.unwrap();

        let page = w.chat.history(&bob, "lobby", &HistoryQuery::default()).await.unwrap();
        assert_eq!(page.messages[0].author_mood.map(|m| m.label), Some(Mood::Negative));
        let backfill = w.chat.messages_after(&bob, "lobby", first.seq, 10).await.unwrap();
        assert_eq!(backfill[0].author_mood.map(|m| m.label), Some(Mood::Negative));
        let rooms = w.chat.list_rooms(&bob, false).await.unwrap();
        let lobby = rooms.iter().find(|r| r.room.id == "lobby").unwrap();
        assert_eq!(lobby.last_message.as_ref().and_then(|m| m.author_mood).map(|m| m.label), Some(Mood::Negative));
        assert_eq!(lobby.last_message.as_ref().unwrap().shown_mood(), Some("negative"));
    });
}

#[test]
fn the_export_has_every_correction_and_no_names() {
    block_on(async {
        let w = world();
        let alice = user("alice");
        w.chat.register(&alice).await.unwrap();
        let plain = w.chat.send(&alice, "lobby", send("just a plain note", "k0")).await.unwrap().message;
        let tabbed = w.chat.send(&alice, "lobby", send("tab\there\nand a line", "k1")).await.unwrap().message;
        let korean = w.chat.send(&alice, "lobby", send("그렇게 말하니까 좀 섭섭하네", "k2")).await.unwrap().message;
        w.chat.set_author_mood(&alice, "lobby", &korean.id, Some(Mood::Negative)).await.unwrap();
        w.chat.set_author_mood(&alice, "lobby", &tabbed.id, Some(Mood::Positive)).await.unwrap();
        w.chat.set_author_mood(&alice, "lobby", &plain.id, Some(Mood::Neutral)).await.unwrap();
        w.chat.set_author_mood(&alice, "lobby", &plain.id, None).await.unwrap();

        let mut out = Vec::new();
        assert_eq!(export_tsv(w.store.as_ref(), &mut out).await.unwrap(), 2, "a cleared correction is not data");
        let tsv = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = tsv.lines().collect();
        assert_eq!(format!("{}\n", lines[0]), HEADER);
        let fields: Vec<Vec<&str>> = lines[1..].iter().map(|l| l.split('\t').collect()).collect();
        assert!(fields.iter().all(|f| f.len() == 5), "{lines:?}");
        assert_eq!(fields[0][..4], ["tab\\there\\nand a line", "en", "", "positive"], "oldest message first");
        assert_eq!(fields[1][..4], ["그렇게 말하니까 좀 섭섭하네", "ko", "", "negative"]);
        assert!(fields.iter().all(|f| f[4].parse::<i64>().unwrap() > 0));
        assert!(!tsv.contains("alice") && !tsv.contains("sub-"), "no user ids or names: {tsv}");
    });
}
