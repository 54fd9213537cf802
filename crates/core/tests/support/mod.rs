//! What the tests of changes to old messages (edits.rs, reactions.rs) share:
//! a chat on the in-memory adapters with a clock the test moves, two people
//! live in the lobby, and the events and replies they receive.
#![allow(dead_code)] // each test binary uses its own part

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use moodchat_core::edge::Replies;
use moodchat_core::memory::{InMemoryHub, InMemoryStore, ThreadSpawner};
use moodchat_core::{ChatService, Clock, ConnectionId, Identity, SendRequest};
use moodchat_protocol::{ApiError, ErrorCode, Message, ServerEvent};

#[derive(Default)]
pub struct HandClock(pub AtomicI64);

impl Clock for HandClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct World {
    pub chat: ChatService,
    pub hub: Arc<InMemoryHub>,
    pub store: Arc<InMemoryStore>,
    pub clock: Arc<HandClock>,
}

pub fn world() -> World {
    let hub = Arc::new(InMemoryHub::default());
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(HandClock(AtomicI64::new(1_700_000_000_000)));
    let chat = ChatService::builder(store.clone(), hub.clone(), hub.clone(), Arc::new(ThreadSpawner))
        .clock(clock.clone())
        .build();
    World { chat, hub, store, clock }
}

pub fn user(name: &str) -> Identity {
    Identity { sub: format!("sub-{name}"), username: name.into(), name: name.into(), email: None }
}

pub fn send(text: &str, client_id: &str) -> SendRequest {
    SendRequest { client_id: client_id.into(), text: Some(text.into()), image_key: None, reply_to: None }
}

pub fn code<T: std::fmt::Debug>(result: Result<T, ApiError>) -> ErrorCode {
    result.unwrap_err().code
}

/// Alice and Bob, both registered and live in the lobby.
pub async fn two_people(w: &World) -> (Identity, Identity, ConnectionId, ConnectionId) {
    let (alice, bob) = (user("alice"), user("bob"));
    let (a, b) = (ConnectionId("a".into()), ConnectionId("b".into()));
    for (who, conn) in [(&alice, &a), (&bob, &b)] {
        w.chat.register(who).await.unwrap();
        w.chat.connect(who, conn).await.unwrap();
        w.chat.join_live(who, conn, "lobby").await.unwrap();
    }
    (alice, bob, a, b)
}

pub fn changed_events(events: &[ServerEvent]) -> Vec<&Message> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::MessageChanged { message } => Some(message),
            _ => None,
        })
        .collect()
}

#[derive(Default)]
pub struct Recorded(pub Vec<ServerEvent>);

#[async_trait]
impl Replies for Recorded {
    type Closed = ();

    async fn reply(&mut self, event: &ServerEvent) -> Result<(), ()> {
        self.0.push(event.clone());
        Ok(())
    }
}
