//! Edit and unsend, and the changes mechanism behind them, through the
//! in-memory adapters: who may, what everyone in the room hears live, what
//! a poller and a resuming connection get, that a change is never unread,
//! and that every refusal changes nothing.

mod support;

use std::sync::atomic::Ordering;

use futures_executor::block_on;
use moodchat_core::edge::{handle_text, Caller};
use moodchat_core::{Clock, ConnectionId, MessageStore};
use moodchat_protocol::limits::EDIT_WINDOW_MS;
use moodchat_protocol::rest::HistoryQuery;
use moodchat_protocol::{ErrorCode, Mood, ServerEvent};
use support::*;

#[test]
fn an_edit_reaches_everyone_live_with_its_new_mood_and_is_never_unread() {
    block_on(async {
        let w = world();
        let (alice, bob, a, b) = (two_people(&w)).await;
        let sent = w.chat.send(&alice, "lobby", send("see you at 3", "k1")).await.unwrap().message;
        w.chat.set_author_mood(&alice, "lobby", &sent.id, Some(Mood::Positive)).await.unwrap();
        w.hub.take_events(&a);
        w.hub.take_events(&b);
        w.clock.0.fetch_add(60_000, Ordering::SeqCst);

        let edited = w.chat.edit_message(&alice, "lobby", &sent.id.to_lowercase(), "  see you at 4  ").await.unwrap();
        assert_eq!((edited.text.as_str(), edited.seq, edited.change), ("see you at 4", sent.seq, 2));
        assert_eq!(edited.edited_at, Some(w.clock.now_ms()));
        assert_eq!(edited.author_mood, None, "the correction of the old text is dropped");
        for conn in [&a, &b] {
            let events = w.hub.take_events(conn);
            assert_eq!(changed_events(&events), [&edited], "{conn:?}: {events:?}");
        }
        let rooms = w.chat.list_rooms(&bob, false).await.unwrap();
        let lobby = rooms.iter().find(|r| r.room.id == "lobby").unwrap();
        assert_eq!(lobby.unread, 1, "the message, not its edit, is unread");
        assert_eq!(lobby.last_message.as_ref().map(|m| m.text.as_str()), Some("see you at 4"));
        let page = w.chat.history(&bob, "lobby", &HistoryQuery::default()).await.unwrap();
        assert_eq!((page.messages[0].text.as_str(), page.changes), ("see you at 4", 2));
    });
}

#[test]
fn a_poller_gets_changes_to_old_messages_after_its_number() {
    block_on(async {
        let w = world();
        let (alice, bob, _, _) = two_people(&w).await;
        let old = w.chat.send(&alice, "lobby", send("old news", "k1")).await.unwrap().message;
        let other = w.chat.send(&alice, "lobby", send("other", "k2")).await.unwrap().message;
        // Bob reads the room, then polls the way the app does.
        let first = w.chat.history(&bob, "lobby", &HistoryQuery::default()).await.unwrap();
        assert_eq!((first.changes, first.changed.len()), (0, 0));
        let poll = |after: Option<String>, changes: u64| HistoryQuery { after, changes: Some(changes), ..Default::default() };

        w.chat.edit_message(&alice, "lobby", &old.id, "old news, corrected").await.unwrap();
        w.chat.unsend_message(&alice, "lobby", &other.id).await.unwrap();
        let page = w.chat.history(&bob, "lobby", &poll(first.after.clone(), first.changes)).await.unwrap();
        assert!(page.messages.is_empty(), "no new message");
        let changed: Vec<(&str, &str, bool)> =
            page.changed.iter().map(|m| (m.id.as_str(), m.text.as_str(), m.deleted_at.is_some())).collect();
        assert_eq!(changed, [(old.id.as_str(), "old news, corrected", false), (other.id.as_str(), "", true)]);
        assert_eq!(page.changes, 2);

        let again = w.chat.history(&bob, "lobby", &poll(page.after.clone(), page.changes)).await.unwrap();
        assert!(again.changed.is_empty() && again.messages.is_empty(), "each change once");
        assert_eq!(again.changes, 2);
        // A page at a time when many changed.
        for n in 0..5 {
            w.chat.set_author_mood(&alice, "lobby", &old.id, Some(Mood::ALL[n % 3])).await.unwrap();
        }
        let limited = HistoryQuery { after: again.after.clone(), changes: Some(2), limit: Some(1), ..Default::default() };
        let page = w.chat.history(&bob, "lobby", &limited).await.unwrap();
        assert_eq!((page.changed.len(), page.changes), (1, 7), "one message, changed five times, once at its latest");
        let future = HistoryQuery { after: again.after, changes: Some(99), ..Default::default() };
        assert_eq!(w.chat.history(&bob, "lobby", &future).await.unwrap().changes, 7, "a number from the future starts over");
    });
}

#[test]
fn an_unsend_empties_the_message_for_everyone_and_is_idempotent() {
    block_on(async {
        let w = world();
        let (alice, bob, a, b) = two_people(&w).await;
        let sent = w.chat.send(&alice, "lobby", send("oops, wrong room", "k1")).await.unwrap().message;
        w.chat.set_author_mood(&alice, "lobby", &sent.id, Some(Mood::Negative)).await.unwrap();
        w.hub.take_events(&a);
        w.hub.take_events(&b);

        let unsent = w.chat.unsend_message(&alice, "lobby", &sent.id).await.unwrap();
        assert_eq!((unsent.text.as_str(), unsent.sentiment.as_ref(), unsent.author_mood), ("", None, None));
        assert!(unsent.deleted_at.is_some());
        for conn in [&a, &b] {
            assert_eq!(changed_events(&w.hub.take_events(conn)), [&unsent]);
        }
        let stored = w.store.message("lobby", &sent.id).await.unwrap().unwrap();
        assert_eq!(stored.text, "", "removed from storage, not hidden");
        assert!(w.store.author_moods(None, 10).await.unwrap().is_empty(), "not in the training export");

        // Again: the same answer, no new change, no event.
        assert_eq!(w.chat.unsend_message(&alice, "lobby", &sent.id).await.unwrap(), unsent);
        assert!(w.hub.take_events(&b).is_empty());
        // An unsent message cannot be edited nor have its mood set.
        assert_eq!(code(w.chat.edit_message(&alice, "lobby", &sent.id, "back").await), ErrorCode::Conflict);
        assert_eq!(code(w.chat.set_author_mood(&alice, "lobby", &sent.id, Some(Mood::Positive)).await), ErrorCode::Conflict);
        assert_eq!(w.chat.change_number("lobby").await.unwrap(), unsent.change);
        let page = w.chat.history(&bob, "lobby", &HistoryQuery::default()).await.unwrap();
        assert_eq!(page.messages, [unsent]);
    });
}

#[test]
fn every_refusal_changes_nothing() {
    block_on(async {
        let w = world();
        let (alice, bob, a, b) = two_people(&w).await;
        let sent = w.chat.send(&alice, "lobby", send("original", "k1")).await.unwrap().message;
        w.hub.take_events(&a);
        w.hub.take_events(&b);

        assert_eq!(code(w.chat.edit_message(&bob, "lobby", &sent.id, "hijacked").await), ErrorCode::Forbidden);
        assert_eq!(code(w.chat.unsend_message(&bob, "lobby", &sent.id).await), ErrorCode::Forbidden);
        let unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
        assert_eq!(code(w.chat.edit_message(&alice, "lobby", unknown, "x").await), ErrorCode::NotFound);
        assert_eq!(code(w.chat.unsend_message(&alice, "lobby", unknown).await), ErrorCode::NotFound);
        assert_eq!(code(w.chat.edit_message(&alice, "lobby", "../../etc", "x").await), ErrorCode::BadRequest);
        assert_eq!(code(w.chat.edit_message(&alice, "nope", &sent.id, "x").await), ErrorCode::NotFound);
        assert_eq!(code(w.chat.edit_message(&alice, "lobby", &sent.id, "   ").await), ErrorCode::BadRequest);
        let long = "가".repeat(4001);
        assert_eq!(code(w.chat.edit_message(&alice, "lobby", &sent.id, &long).await), ErrorCode::TooLarge);
        // Another room's message by id; a stranger and someone else's direct conversation.
        let dm = w.chat.open_direct(&alice, "bob").await.unwrap();
        assert_eq!(code(w.chat.unsend_message(&alice, &dm.id, &sent.id).await), ErrorCode::NotFound);
        let eve = user("eve");
        w.chat.register(&eve).await.unwrap();
        let in_dm = w.chat.send(&alice, &dm.id, send("psst", "d")).await.unwrap().message;
        assert_eq!(code(w.chat.unsend_message(&eve, &dm.id, &in_dm.id).await), ErrorCode::Forbidden);
        // Too late: the window is 24 hours from sending.
        w.clock.0.fetch_add(EDIT_WINDOW_MS + 1, Ordering::SeqCst);
        assert_eq!(code(w.chat.edit_message(&alice, "lobby", &sent.id, "late").await), ErrorCode::Conflict);

        let stored = w.store.message("lobby", &sent.id).await.unwrap().unwrap();
        assert_eq!(stored, sent, "untouched");
        assert_eq!(w.chat.change_number("lobby").await.unwrap(), 0);
        assert!(changed_events(&w.hub.take_events(&b)).is_empty());
        // Unsending has no window: a person may always take their words back.
        assert!(w.chat.unsend_message(&alice, "lobby", &sent.id).await.unwrap().deleted_at.is_some());
    });
}

#[test]
fn a_resuming_connection_gets_the_changes_it_missed_then_joined_with_the_number() {
    block_on(async {
        let w = world();
        let (alice, bob, _, b) = two_people(&w).await;
        let caller = Caller { who: &alice, connection: &ConnectionId("a".into()) };
        let mut to_alice = Recorded::default();
        for n in 1..=3 {
            let frame = format!(r#"{{"action":"sendMessage","room":"lobby","client_id":"k{n}","text":"m{n}"}}"#);
            handle_text(&w.chat, caller, &frame, &mut to_alice).await.unwrap();
        }
        let ids: Vec<String> = w.store.changed_since("lobby", 0, 10).await.unwrap().into_iter().map(|m| m.id).collect();
        assert!(ids.is_empty());
        let page = w.chat.history(&bob, "lobby", &HistoryQuery::default()).await.unwrap();
        let (first, second) = (&page.messages[2], &page.messages[1]);

        // Bob is away; Alice edits by frame, unsends by frame.
        w.chat.disconnect(&b).await.unwrap();
        let edit = format!(r#"{{"action":"editMessage","room":"lobby","message_id":"{}","text":"m1!"}}"#, first.id);
        handle_text(&w.chat, caller, &edit, &mut to_alice).await.unwrap();
        let unsend = format!(r#"{{"action":"unsendMessage","room":"lobby","message_id":"{}"}}"#, second.id);
        handle_text(&w.chat, caller, &unsend, &mut to_alice).await.unwrap();
        let refused = format!(r#"{{"action":"editMessage","room":"lobby","message_id":"{}","text":"m2?"}}"#, second.id);
        handle_text(&w.chat, caller, &refused, &mut to_alice).await.unwrap();
        assert!(matches!(to_alice.0.last(), Some(ServerEvent::Error { code: ErrorCode::Conflict, .. })), "{:?}", to_alice.0);

        let b2 = ConnectionId("b2".into());
        w.chat.connect(&bob, &b2).await.unwrap();
        let mut to_bob = Recorded::default();
        let join = format!(r#"{{"action":"join","room":"lobby","since":3,"changes":{}}}"#, page.changes);
        handle_text(&w.chat, Caller { who: &bob, connection: &b2 }, &join, &mut to_bob).await.unwrap();
        let replayed: Vec<(&str, &str)> =
            changed_events(&to_bob.0).into_iter().map(|m| (m.id.as_str(), m.text.as_str())).collect();
        assert_eq!(replayed, [(first.id.as_str(), "m1!"), (second.id.as_str(), "")]);
        assert_eq!(to_bob.0.last(), Some(&ServerEvent::Joined { room: "lobby".into(), changes: 2 }));
        assert!(!to_bob.0.iter().any(|e| matches!(e, ServerEvent::Message { .. })), "no message is new");

        // Joining up to date replays nothing; without `changes`, nothing either, but the number is told.
        for join in [r#"{"action":"join","room":"lobby","since":3,"changes":2}"#, r#"{"action":"join","room":"lobby"}"#] {
            let mut again = Recorded::default();
            handle_text(&w.chat, Caller { who: &bob, connection: &b2 }, join, &mut again).await.unwrap();
            assert!(changed_events(&again.0).is_empty(), "{join}");
            assert_eq!(again.0.last(), Some(&ServerEvent::Joined { room: "lobby".into(), changes: 2 }));
        }
    });
}
