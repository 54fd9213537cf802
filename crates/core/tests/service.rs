//! ChatService rules, exercised through the in-memory adapters.

use std::sync::Arc;

use futures_executor::block_on;
use moodchat_core::memory::{InMemoryHub, InMemoryStore, ThreadSpawner};
use moodchat_core::{ChatService, ConnectionId, Identity, SendRequest};
use moodchat_protocol::rest::HistoryQuery;
use moodchat_protocol::{ErrorCode, RoomKind, ServerEvent, Since};

struct World {
    chat: ChatService,
    hub: Arc<InMemoryHub>,
}

fn world() -> World {
    let hub = Arc::new(InMemoryHub::default());
    let chat = ChatService::builder(Arc::new(InMemoryStore::default()), hub.clone(), hub.clone(), Arc::new(ThreadSpawner)).build();
    World { chat, hub }
}

fn user(name: &str) -> Identity {
    Identity { sub: format!("sub-{name}"), username: name.into(), name: name.into(), email: None }
}

fn send(text: &str, client_id: &str) -> SendRequest {
    SendRequest { client_id: client_id.into(), text: Some(text.into()), image_key: None, reply_to: None }
}

#[test]
fn a_retry_with_the_same_client_id_returns_the_original_and_is_not_delivered_twice() {
    block_on(async {
        let w = world();
        let alice = user("alice");
        w.chat.register(&alice).await.unwrap();
        let conn = ConnectionId("c1".into());
        w.chat.connect(&alice, &conn).await.unwrap();
        w.chat.join_live(&alice, &conn, "lobby").await.unwrap();
        w.hub.take_events(&conn);

        let first = w.chat.send(&alice, "lobby", send("hello", "k1")).await.unwrap();
        let retry = w.chat.send(&alice, "lobby", send("hello again?", "k1")).await.unwrap();
        assert!(first.created && !retry.created);
        assert_eq!(first.message, retry.message);
        let delivered = w.hub.take_events(&conn);
        assert_eq!(delivered.len(), 1, "{delivered:?}");
    });
}

#[test]
fn the_sender_comes_from_the_identity_and_text_is_trimmed() {
    block_on(async {
        let w = world();
        let bob = user("bob");
        w.chat.register(&bob).await.unwrap();
        let sent = w.chat.send(&bob, "lobby", send("  hi  ", "k")).await.unwrap().message;
        assert_eq!((sent.sender.sub.as_str(), sent.text.as_str()), ("sub-bob", "hi"));
        assert_eq!(sent.id.len(), 26);
    });
}

#[test]
fn direct_conversations_are_one_per_pair_and_private() {
    block_on(async {
        let w = world();
        let (alice, bob, eve) = (user("alice"), user("bob"), user("eve"));
        for u in [&alice, &bob, &eve] {
            w.chat.register(u).await.unwrap();
        }
        let from_alice = w.chat.open_direct(&alice, "bob").await.unwrap();
        let from_bob = w.chat.open_direct(&bob, "sub-alice").await.unwrap();
        assert_eq!(from_alice.id, from_bob.id);
        assert_eq!(from_alice.kind, RoomKind::Direct);
        assert_eq!((from_alice.name.as_str(), from_bob.name.as_str()), ("bob", "alice"));

        w.chat.send(&alice, &from_alice.id, send("psst", "k")).await.unwrap();
        let denied = w.chat.history(&eve, &from_alice.id, &HistoryQuery::default()).await.unwrap_err();
        assert_eq!(denied.code, ErrorCode::Forbidden);
        assert_eq!(w.chat.send(&eve, &from_alice.id, send("hi", "k")).await.unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(w.chat.open_direct(&alice, "alice").await.unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(w.chat.open_direct(&alice, "nobody").await.unwrap_err().code, ErrorCode::NotFound);
    });
}

#[test]
fn history_pages_backwards_with_stable_cursors_and_polls_forwards() {
    block_on(async {
        let w = world();
        let alice = user("alice");
        w.chat.register(&alice).await.unwrap();
        let mut ids = Vec::new();
        for i in 0..7 {
            ids.push(w.chat.send(&alice, "lobby", send(&format!("m{i}"), &format!("k{i}"))).await.unwrap().message.id);
        }
        let first = w.chat.history(&alice, "lobby", &HistoryQuery { limit: Some(3), ..Default::default() }).await.unwrap();
        let got: Vec<_> = first.messages.iter().map(|m| m.id.clone()).collect();
        assert_eq!(got, vec![ids[6].clone(), ids[5].clone(), ids[4].clone()], "newest first");

        // A message arriving between pages must not shift the next page.
        w.chat.send(&alice, "lobby", send("late", "late")).await.unwrap();
        let second = w
            .chat
            .history(&alice, "lobby", &HistoryQuery { before: first.before.clone(), limit: Some(3), ..Default::default() })
            .await
            .unwrap();
        let got: Vec<_> = second.messages.iter().map(|m| m.id.clone()).collect();
        assert_eq!(got, vec![ids[3].clone(), ids[2].clone(), ids[1].clone()]);
        let last = w
            .chat
            .history(&alice, "lobby", &HistoryQuery { before: second.before.clone(), limit: Some(3), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(last.messages.len(), 1);
        assert_eq!(last.before, None, "nothing older");

        let poll = w
            .chat
            .history(&alice, "lobby", &HistoryQuery { after: first.after.clone(), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(poll.messages.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), vec!["late"]);
        let empty = w.chat.history(&alice, "lobby", &HistoryQuery { after: poll.after.clone(), ..Default::default() }).await.unwrap();
        assert!(empty.messages.is_empty());
        assert_eq!(empty.after, poll.after, "an empty poll keeps the cursor");
    });
}

#[test]
fn history_rejects_bad_queries() {
    block_on(async {
        let w = world();
        let alice = user("alice");
        w.chat.register(&alice).await.unwrap();
        let bad = |q: HistoryQuery| {
            let (w, alice) = (&w, &alice);
            async move { w.chat.history(alice, "lobby", &q).await.unwrap_err().code }
        };
        assert_eq!(bad(HistoryQuery { limit: Some(0), ..Default::default() }).await, ErrorCode::BadRequest);
        assert_eq!(bad(HistoryQuery { limit: Some(201), ..Default::default() }).await, ErrorCode::BadRequest);
        assert_eq!(bad(HistoryQuery { before: Some("zz".into()), ..Default::default() }).await, ErrorCode::BadRequest);
        let both = HistoryQuery { before: Some("x".into()), after: Some("y".into()), around: None, changes: None, limit: None };
        assert_eq!(bad(both).await, ErrorCode::BadRequest);
        let unknown = w.chat.history(&alice, "nope", &HistoryQuery::default()).await.unwrap_err();
        assert_eq!(unknown.code, ErrorCode::NotFound);
    });
}

#[test]
fn unread_counts_follow_the_read_marker_and_reads_are_announced() {
    block_on(async {
        let w = world();
        let (alice, bob) = (user("alice"), user("bob"));
        w.chat.register(&alice).await.unwrap();
        w.chat.register(&bob).await.unwrap();
        let conn = ConnectionId("alice-1".into());
        w.chat.connect(&alice, &conn).await.unwrap();
        w.chat.join_live(&alice, &conn, "lobby").await.unwrap();
        w.chat.send(&alice, "lobby", send("mine", "a")).await.unwrap();
        let mut last = String::new();
        for i in 0..3 {
            last = w.chat.send(&bob, "lobby", send("x", &format!("k{i}"))).await.unwrap().message.id;
        }
        let unread = |rooms: Vec<moodchat_protocol::RoomSummary>| rooms.iter().find(|r| r.room.id == "lobby").unwrap().unread;
        assert_eq!(unread(w.chat.list_rooms(&alice, false).await.unwrap()), 3, "her own message is read");
        w.hub.take_events(&conn);
        w.chat.mark_read(&alice, "lobby", &last).await.unwrap();
        assert_eq!(unread(w.chat.list_rooms(&alice, false).await.unwrap()), 0);
        assert!(w.hub.take_events(&conn).iter().any(|e| matches!(e, ServerEvent::Read { seq: 4, .. })));
        let missing = w.chat.mark_read(&alice, "lobby", "01ARZ3NDEKTSV4RRFFQ69G5FAV").await.unwrap_err();
        assert_eq!(missing.code, ErrorCode::NotFound);
    });
}

#[test]
fn public_rooms_need_joining_before_sending_and_joining_live_makes_you_a_member() {
    block_on(async {
        let w = world();
        let (alice, bob) = (user("alice"), user("bob"));
        w.chat.register(&alice).await.unwrap();
        w.chat.register(&bob).await.unwrap();
        let room = w.chat.create_room(&alice, " rust ").await.unwrap();
        assert_eq!(room.name, "rust");
        assert_eq!(w.chat.send(&bob, &room.id, send("hi", "k")).await.unwrap_err().code, ErrorCode::Forbidden);
        let conn = ConnectionId("bob-1".into());
        w.chat.connect(&bob, &conn).await.unwrap();
        let joined = w.chat.join_live(&bob, &conn, &room.id).await.unwrap();
        assert_eq!(joined.online.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), vec!["bob"]);
        w.chat.send(&bob, &room.id, send("hi", "k")).await.unwrap();
        let members = w.chat.members(&alice, &room.id).await.unwrap();
        assert_eq!(members.iter().filter(|m| m.online).count(), 1);
        assert_eq!(members.len(), 2);
    });
}

#[test]
fn a_new_direct_conversation_is_live_on_the_peers_open_tabs_before_its_first_message() {
    block_on(async {
        let w = world();
        let (alice, bob, eve) = (user("alice"), user("bob"), user("eve"));
        let (a, b, e) = (ConnectionId("a".into()), ConnectionId("b".into()), ConnectionId("e".into()));
        for (u, c) in [(&alice, &a), (&bob, &b), (&eve, &e)] {
            w.chat.register(u).await.unwrap();
            w.chat.connect(u, c).await.unwrap();
        }
        let room = w.chat.open_direct(&alice, "bob").await.unwrap();
        w.chat.send(&alice, &room.id, send("psst", "k")).await.unwrap();

        let to_bob = w.hub.take_events(&b);
        assert_eq!(to_bob.first(), Some(&ServerEvent::RoomAdded { room: room.id.clone() }), "{to_bob:?}");
        assert!(
            to_bob.iter().any(|e| matches!(e, ServerEvent::Message { message } if message.text == "psst")),
            "the first message reaches bob live without a join: {to_bob:?}"
        );
        assert!(w.hub.take_events(&a).contains(&ServerEvent::RoomAdded { room: room.id.clone() }), "alice's other tabs too");
        assert!(w.hub.take_events(&e).is_empty(), "nobody else hears of it");

        // Opening it again is not news.
        w.chat.open_direct(&bob, "alice").await.unwrap();
        assert!(!w.hub.take_events(&b).iter().any(|e| matches!(e, ServerEvent::RoomAdded { .. })));
    });
}

#[test]
fn typing_is_throttled_and_not_echoed_to_the_typist() {
    block_on(async {
        let w = world();
        let (alice, bob) = (user("alice"), user("bob"));
        let (a, b) = (ConnectionId("a".into()), ConnectionId("b".into()));
        for (u, c) in [(&alice, &a), (&bob, &b)] {
            w.chat.register(u).await.unwrap();
            w.chat.connect(u, c).await.unwrap();
            w.chat.join_live(u, c, "lobby").await.unwrap();
        }
        w.hub.take_events(&a);
        w.hub.take_events(&b);
        w.chat.typing(&alice, &a, "lobby").await.unwrap();
        w.chat.typing(&alice, &a, "lobby").await.unwrap();
        assert!(w.hub.take_events(&a).is_empty());
        let to_bob = w.hub.take_events(&b);
        assert_eq!(to_bob.len(), 1, "second typing within 2 s is dropped: {to_bob:?}");
    });
}

#[test]
fn backfill_returns_what_came_after_since_in_order() {
    block_on(async {
        let w = world();
        let alice = user("alice");
        w.chat.register(&alice).await.unwrap();
        let ids: Vec<String> = futures_collect(&w, &alice, 5).await;
        let after = w.chat.messages_after(&alice, "lobby", 2, 100).await.unwrap();
        assert_eq!(after.iter().map(|m| m.id.clone()).collect::<Vec<_>>(), ids[2..].to_vec());
        assert_eq!(after.iter().map(|m| m.seq).collect::<Vec<_>>(), [3, 4, 5]);
    });
}

#[test]
fn since_is_a_seq_or_for_older_clients_a_message_id_of_the_room() {
    block_on(async {
        let w = world();
        let alice = user("alice");
        w.chat.register(&alice).await.unwrap();
        let ids: Vec<String> = futures_collect(&w, &alice, 3).await;
        let resume = |since: Since| {
            let (chat, alice) = (&w.chat, &alice);
            async move { chat.resume_point(alice, "lobby", &since).await }
        };
        assert_eq!(resume(Since::Seq(2)).await.unwrap(), 2);
        assert_eq!(resume(Since::Id(ids[1].clone())).await.unwrap(), 2);
        assert_eq!(resume(Since::Id(ids[1].to_ascii_lowercase())).await.unwrap(), 2);
        assert_eq!(resume(Since::Id("yesterday".into())).await.unwrap_err().code, ErrorCode::BadRequest);
        let unknown = resume(Since::Id("01J00000000000000000000099".into())).await.unwrap_err();
        assert_eq!(unknown.code, ErrorCode::NotFound);
    });
}

#[test]
fn history_cursors_are_seqs_and_old_id_cursors_still_work() {
    block_on(async {
        let w = world();
        let alice = user("alice");
        w.chat.register(&alice).await.unwrap();
        let ids: Vec<String> = futures_collect(&w, &alice, 4).await;
        let page = |before: Option<String>, after: Option<String>| {
            let (chat, alice) = (&w.chat, &alice);
            async move { chat.history(alice, "lobby", &HistoryQuery { before, after, around: None, changes: None, limit: Some(2) }).await }
        };
        let latest = page(None, None).await.unwrap();
        assert_eq!(latest.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [4, 3]);
        let older = page(latest.before.clone(), None).await.unwrap();
        assert_eq!(older.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(older.before, None, "the start of the room");
        let newer = page(None, older.after.clone()).await.unwrap();
        assert_eq!(newer.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [3, 4], "after the newest of `older`");
        // A client from before seqs polls with a message id: mapped to its seq.
        let by_id = page(None, Some(ids[1].clone())).await.unwrap();
        assert_eq!(by_id.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [3, 4]);
        let caught_up = page(None, by_id.after.clone()).await.unwrap();
        assert!(caught_up.messages.is_empty());
        assert_eq!(caught_up.after, by_id.after, "an empty page keeps the poller's place");
        assert_eq!(page(None, Some("%%".into())).await.unwrap_err().code, ErrorCode::BadRequest);
    });
}

#[test]
fn unread_counts_the_messages_after_the_marker_and_sending_reads_the_room() {
    block_on(async {
        let w = world();
        let (alice, bob) = (user("alice"), user("bob"));
        w.chat.register(&alice).await.unwrap();
        w.chat.register(&bob).await.unwrap();
        let ids: Vec<String> = futures_collect(&w, &alice, 3).await;
        let lobby = |who: Identity| {
            let chat = &w.chat;
            async move { chat.list_rooms(&who, false).await.unwrap().into_iter().find(|s| s.room.id == "lobby").unwrap() }
        };
        assert_eq!((lobby(bob.clone()).await.unread, lobby(bob.clone()).await.last_read_seq), (3, 0));
        assert_eq!(lobby(alice.clone()).await.unread, 0, "her own messages");
        w.chat.mark_read(&bob, "lobby", &ids[1]).await.unwrap();
        assert_eq!((lobby(bob.clone()).await.unread, lobby(bob.clone()).await.last_read_seq), (1, 2));
        w.chat.send(&bob, "lobby", send("hi", "b1")).await.unwrap();
        assert_eq!((lobby(bob.clone()).await.unread, lobby(bob.clone()).await.last_read_seq), (0, 4));
        assert_eq!(lobby(alice.clone()).await.unread, 1);
    });
}

async fn futures_collect(w: &World, who: &Identity, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(w.chat.send(who, "lobby", send("m", &format!("k{i}"))).await.unwrap().message.id);
    }
    ids
}
