//! Leaving a room and the member list (issue 17, "rooms people can find"),
//! through the in-memory adapters: only the caller leaves, what this
//! process cached about them goes at once, and another process sharing the
//! store (another Lambda instance) stops taking them for a member within
//! `MEMBERSHIP_CACHE_MS`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use futures_executor::block_on;
use moodchat_core::memory::{InMemoryHub, InMemoryStore, ThreadSpawner};
use moodchat_core::ports::Clock;
use moodchat_core::service::MEMBERSHIP_CACHE_MS;
use moodchat_core::{ChatService, ConnectionId, Identity, SendRequest};
use moodchat_protocol::{ErrorCode, Room};

struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

fn service(store: Arc<InMemoryStore>, clock: Arc<TestClock>) -> ChatService {
    let hub = Arc::new(InMemoryHub::default());
    ChatService::builder(store, hub.clone(), hub, Arc::new(ThreadSpawner)).clock(clock).build()
}

fn user(name: &str) -> Identity {
    Identity { sub: format!("sub-{name}"), username: name.into(), name: name.into(), email: None }
}

fn send(text: &str, client_id: &str) -> SendRequest {
    SendRequest { client_id: client_id.into(), text: Some(text.into()), image_key: None, reply_to: None }
}

/// Alice's room "club", Bob a member who has written there once.
async fn club(chat: &ChatService) -> (Identity, Identity, Room) {
    let (alice, bob) = (user("alice"), user("bob"));
    chat.register(&alice).await.unwrap();
    chat.register(&bob).await.unwrap();
    let room = chat.create_room(&alice, "club").await.unwrap();
    chat.join_room(&bob, &room.id).await.unwrap();
    chat.send(&bob, &room.id, send("hello", "b1")).await.unwrap();
    (alice, bob, room)
}

fn names(rooms: &[moodchat_protocol::RoomSummary]) -> Vec<(&str, bool)> {
    rooms.iter().map(|r| (r.room.name.as_str(), r.member)).collect()
}

#[test]
fn a_member_who_leaves_can_no_longer_send_and_only_they_leave() {
    block_on(async {
        let clock = Arc::new(TestClock(AtomicI64::new(1_000_000)));
        let chat = service(Arc::new(InMemoryStore::default()), clock);
        let (alice, bob, room) = club(&chat).await;

        chat.leave_room(&bob, &room.id).await.unwrap();
        // The send right after: this process had Bob cached as a member.
        let refused = chat.send(&bob, &room.id, send("still here?", "b2")).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::Forbidden, "{refused:?}");
        let members: Vec<String> = chat.members(&alice, &room.id).await.unwrap().into_iter().map(|m| m.name).collect();
        assert_eq!(members, ["alice"]);
        chat.send(&alice, &room.id, send("bye bob", "a1")).await.unwrap();
        assert!(!names(&chat.list_rooms(&bob, false).await.unwrap()).contains(&("club", true)));
        assert!(names(&chat.list_rooms(&bob, true).await.unwrap()).contains(&("club", false)), "still findable");
        chat.leave_room(&bob, &room.id).await.expect("leaving twice changes nothing");

        chat.join_room(&bob, &room.id).await.unwrap();
        chat.send(&bob, &room.id, send("back", "b3")).await.unwrap();
        let bobs = chat.list_rooms(&bob, false).await.unwrap();
        let club = bobs.iter().find(|r| r.room.id == room.id).unwrap();
        assert_eq!((club.member, club.unread), (true, 0), "back with everything before read");
    });
}

#[test]
fn the_lobby_and_direct_conversations_cannot_be_left() {
    block_on(async {
        let chat = service(Arc::new(InMemoryStore::default()), Arc::new(TestClock(AtomicI64::new(0))));
        let (alice, bob) = (user("alice"), user("bob"));
        chat.register(&alice).await.unwrap();
        chat.register(&bob).await.unwrap();
        assert_eq!(chat.leave_room(&alice, "lobby").await.unwrap_err().code, ErrorCode::BadRequest);
        let dm = chat.open_direct(&alice, "bob").await.unwrap();
        assert_eq!(chat.leave_room(&alice, &dm.id).await.unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(chat.leave_room(&alice, "nowhere").await.unwrap_err().code, ErrorCode::NotFound);
        chat.send(&alice, "lobby", send("still in the lobby", "a1")).await.unwrap();
        chat.send(&bob, &dm.id, send("and in our conversation", "b1")).await.unwrap();
    });
}

#[test]
fn another_process_stops_taking_the_leaver_for_a_member_within_the_cache_window() {
    block_on(async {
        let store = Arc::new(InMemoryStore::default());
        let clock = Arc::new(TestClock(AtomicI64::new(1_000_000)));
        let (here, there) = (service(store.clone(), clock.clone()), service(store, clock.clone()));
        let (_alice, bob, room) = club(&here).await;
        there.register(&bob).await.unwrap();
        there.send(&bob, &room.id, send("from the other instance", "t1")).await.unwrap();

        here.leave_room(&bob, &room.id).await.unwrap();
        // `there` found Bob a member a moment ago and trusts that a while
        // (on DynamoDB the append's membership condition refuses the
        // message anyway; the in-memory store has none).
        clock.0.fetch_add(MEMBERSHIP_CACHE_MS - 1, Ordering::SeqCst);
        there.send(&bob, &room.id, send("stale", "t2")).await.expect("within the window the cache still says member");
        clock.0.fetch_add(1, Ordering::SeqCst);
        let refused = there.send(&bob, &room.id, send("after the window", "t3")).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::Forbidden);
    });
}

#[test]
fn members_are_listed_online_first() {
    block_on(async {
        let chat = service(Arc::new(InMemoryStore::default()), Arc::new(TestClock(AtomicI64::new(0))));
        let (alice, bob, room) = club(&chat).await;
        let carol = user("carol");
        chat.register(&carol).await.unwrap();
        chat.join_room(&carol, &room.id).await.unwrap();
        let conn = ConnectionId("carol-1".into());
        chat.connect(&carol, &conn).await.unwrap();
        chat.join_live(&carol, &conn, &room.id).await.unwrap();
        let members: Vec<(String, bool)> =
            chat.members(&bob, &room.id).await.unwrap().into_iter().map(|m| (m.name, m.online)).collect();
        assert_eq!(members, [("carol".into(), true), ("alice".into(), false), ("bob".into(), false)]);
        let _ = alice;
    });
}
