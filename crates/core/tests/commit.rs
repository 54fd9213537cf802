//! A send whose caller goes away mid-commit (a client that disconnects) must
//! not take the rest of its batch with it: every message of the batch is
//! committed, published in order, and the senders that stayed get their
//! answer (issue 13, item 3).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_channel::oneshot;
use futures_executor::block_on;
use moodchat_core::memory::{InMemoryHub, InMemoryStore, ThreadSpawner};
use moodchat_core::{Appended, Changed, ChatService, ConnectionId, HistorySlice, Identity, MessageChange, MessageStore, RoomListing, SendRequest};
use moodchat_protocol::{ApiError, Message, Room, ServerEvent, UserRef};

/// The in-memory store, with appends that wait until the test opens their gate
/// (one gate per `append_batch` call, in order; none left: no waiting).
struct GatedStore {
    store: InMemoryStore,
    gates: Mutex<VecDeque<oneshot::Receiver<()>>>,
}

#[async_trait]
impl MessageStore for GatedStore {
    async fn upsert_user(&self, user: &Identity, now_ms: i64) -> Result<(), ApiError> {
        self.store.upsert_user(user, now_ms).await
    }
    async fn find_user(&self, sub_or_username: &str) -> Result<Option<UserRef>, ApiError> {
        self.store.find_user(sub_or_username).await
    }
    async fn search_users(&self, prefix: &str, exclude_sub: &str, limit: u32) -> Result<Vec<UserRef>, ApiError> {
        self.store.search_users(prefix, exclude_sub, limit).await
    }
    async fn create_room(&self, room: &Room, creator: &str, now_ms: i64) -> Result<(), ApiError> {
        self.store.create_room(room, creator, now_ms).await
    }
    async fn room(&self, room_id: &str) -> Result<Option<Room>, ApiError> {
        self.store.room(room_id).await
    }
    async fn find_or_create_direct(&self, key: &str, candidate: &Room, members: [&str; 2], now_ms: i64) -> Result<Room, ApiError> {
        self.store.find_or_create_direct(key, candidate, members, now_ms).await
    }
    async fn add_member(&self, room_id: &str, sub: &str, now_ms: i64) -> Result<(), ApiError> {
        self.store.add_member(room_id, sub, now_ms).await
    }
    async fn remove_member(&self, room_id: &str, sub: &str) -> Result<bool, ApiError> {
        self.store.remove_member(room_id, sub).await
    }
    async fn is_member(&self, room_id: &str, sub: &str) -> Result<bool, ApiError> {
        self.store.is_member(room_id, sub).await
    }
    async fn set_muted(&self, room_id: &str, sub: &str, muted: bool) -> Result<bool, ApiError> {
        self.store.set_muted(room_id, sub, muted).await
    }
    async fn members(&self, room_id: &str) -> Result<Vec<UserRef>, ApiError> {
        self.store.members(room_id).await
    }
    async fn room_listings(&self, sub: &str, discover: bool) -> Result<Vec<RoomListing>, ApiError> {
        self.store.room_listings(sub, discover).await
    }
    async fn append(&self, message: &Message) -> Result<Appended, ApiError> {
        self.store.append(message).await
    }
    async fn append_batch(&self, messages: &[Message]) -> Result<Vec<Appended>, ApiError> {
        let gate = self.gates.lock().unwrap().pop_front();
        if let Some(gate) = gate {
            let _ = gate.await;
        }
        self.store.append_batch(messages).await
    }
    async fn history(&self, room_id: &str, slice: &HistorySlice, limit: u32) -> Result<Vec<Message>, ApiError> {
        self.store.history(room_id, slice, limit).await
    }
    async fn mark_read(&self, room_id: &str, sub: &str, seq: u64) -> Result<bool, ApiError> {
        self.store.mark_read(room_id, sub, seq).await
    }
    async fn message_seq(&self, room_id: &str, message_id: &str) -> Result<Option<u64>, ApiError> {
        self.store.message_seq(room_id, message_id).await
    }
    async fn message(&self, room_id: &str, message_id: &str) -> Result<Option<Message>, ApiError> {
        self.store.message(room_id, message_id).await
    }
    async fn change_message(&self, room_id: &str, message_id: &str, change: &MessageChange) -> Result<Changed, ApiError> {
        self.store.change_message(room_id, message_id, change).await
    }
    async fn changed_since(&self, room_id: &str, after: u64, limit: u32) -> Result<Vec<Message>, ApiError> {
        self.store.changed_since(room_id, after, limit).await
    }
    async fn change_number(&self, room_id: &str) -> Result<u64, ApiError> {
        self.store.change_number(room_id).await
    }
    async fn author_moods(&self, after: Option<&str>, limit: u32) -> Result<Vec<Message>, ApiError> {
        self.store.author_moods(after, limit).await
    }
}

fn user(name: &str) -> Identity {
    Identity { sub: format!("sub-{name}"), username: name.into(), name: name.into(), email: None }
}

fn send(text: &str) -> SendRequest {
    SendRequest { client_id: format!("k-{text}"), text: Some(text.into()), image_key: None, reply_to: None }
}

/// Polls a future once, as a runtime would before its caller went away.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// Waits (with a deadline) until `done` holds.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::yield_now();
    }
}

#[test]
fn a_sender_that_goes_away_mid_commit_loses_nobody_elses_message() {
    let (first_gate, first_gated) = oneshot::channel();
    let (second_gate, second_gated) = oneshot::channel();
    let store = Arc::new(GatedStore { store: InMemoryStore::default(), gates: Mutex::new([first_gated, second_gated].into()) });
    let hub = Arc::new(InMemoryHub::default());
    let chat = ChatService::builder(store.clone(), hub.clone(), hub.clone(), Arc::new(ThreadSpawner)).build();
    let (carol, alice, bob, watcher) = (user("carol"), user("alice"), user("bob"), user("watcher"));
    let connection = ConnectionId("watcher".into());
    block_on(async {
        for who in [&carol, &alice, &bob, &watcher] {
            chat.register(who).await.unwrap();
        }
        chat.connect(&watcher, &connection).await.unwrap();
        chat.join_live(&watcher, &connection, "lobby").await.unwrap();
    });
    hub.take_events(&connection);

    // Carol's commit holds the store; Alice and Bob queue behind it, so
    // the next batch carries both.
    let mut carols = pin!(chat.send(&carol, "lobby", send("carol")));
    assert!(poll_once(carols.as_mut()).is_pending());
    wait_until("Carol's batch at the store", || store.gates.lock().unwrap().len() == 1);
    let mut alices = Box::pin(chat.send(&alice, "lobby", send("alice")));
    assert!(poll_once(alices.as_mut()).is_pending());
    let mut bobs = pin!(chat.send(&bob, "lobby", send("bob")));
    assert!(poll_once(bobs.as_mut()).is_pending());
    first_gate.send(()).unwrap();
    assert!(block_on(carols).is_ok());
    // Alice's and Bob's batch is being appended; Alice's client goes away.
    assert!(poll_once(alices.as_mut()).is_pending());
    drop(alices);
    let _ = second_gate.send(());

    let bobs = block_on(bobs).expect("the sender that stayed gets its answer");
    assert!(bobs.created);
    let committed: Vec<String> = block_on(store.history("lobby", &HistorySlice::After(0), 10))
        .unwrap()
        .into_iter()
        .map(|message| message.text)
        .collect();
    assert_eq!(committed, ["carol", "alice", "bob"]);
    let mut published = Vec::new();
    wait_until("every committed message published", || {
        published.extend(hub.take_events(&connection).into_iter().filter_map(|event| match event {
            ServerEvent::Message { message } => Some(message.text),
            _ => None,
        }));
        published.len() >= 3
    });
    assert_eq!(published, committed, "published once each, in commit order");
}
