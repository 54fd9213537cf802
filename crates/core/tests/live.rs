//! Live connections driven as a stateless handler would: identity read back
//! from the registry, gone connections found by a push and cleaned up by the
//! core, presence that expires without a `$disconnect`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use futures_executor::block_on;
use moodchat_core::fanout::PRESENCE_TTL_MS;
use moodchat_core::memory::{InMemoryHub, InMemoryStore, ThreadSpawner};
use moodchat_core::{ChatService, Clock, ConnectionId, Identity, SendRequest};
use moodchat_protocol::{ErrorCode, ServerEvent};

/// A clock the test moves by hand.
#[derive(Default)]
struct HandClock(AtomicI64);

impl Clock for HandClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

struct World {
    chat: ChatService,
    hub: Arc<InMemoryHub>,
    clock: Arc<HandClock>,
}

fn world() -> World {
    let hub = Arc::new(InMemoryHub::default());
    let clock = Arc::new(HandClock(AtomicI64::new(1_800_000_000_000)));
    let chat = ChatService::builder(Arc::new(InMemoryStore::default()), hub.clone(), hub.clone(), Arc::new(ThreadSpawner))
        .clock(clock.clone())
        .build();
    World { chat, hub, clock }
}

fn user(name: &str) -> Identity {
    Identity { sub: format!("sub-{name}"), username: name.into(), name: name.into(), email: None }
}

fn send(text: &str, client_id: &str) -> SendRequest {
    SendRequest { client_id: client_id.into(), text: Some(text.into()), image_key: None, reply_to: None }
}

/// Connects and joins the lobby, as `$connect` then a `join` frame would.
async fn arrive(w: &World, who: &Identity, connection: &str) -> ConnectionId {
    let connection = ConnectionId(connection.into());
    w.chat.register(who).await.unwrap();
    w.chat.connect(who, &connection).await.unwrap();
    w.chat.join_live(who, &connection, "lobby").await.unwrap();
    connection
}

fn last_presence(events: &[ServerEvent]) -> Option<Vec<String>> {
    events.iter().rev().find_map(|event| match event {
        ServerEvent::Presence { online, .. } => Some(online.iter().map(|u| u.name.clone()).collect()),
        _ => None,
    })
}

#[test]
fn a_handler_that_keeps_nothing_learns_who_speaks_from_the_connection() {
    block_on(async {
        let w = world();
        let ada = user("ada");
        let connection = arrive(&w, &ada, "c-ada").await;
        assert_eq!(w.chat.identity(&connection).await.unwrap(), ada);
        w.chat.disconnect(&connection).await.unwrap();
        let error = w.chat.identity(&connection).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::Unauthorized, "a closed connection speaks for nobody");
    });
}

#[test]
fn a_connection_a_push_finds_gone_is_disconnected_and_leaves_presence() {
    block_on(async {
        let w = world();
        let (ada, bo) = (user("ada"), user("bo"));
        let ada_connection = arrive(&w, &ada, "c-ada").await;
        let bo_connection = arrive(&w, &bo, "c-bo").await;
        w.hub.take_events(&ada_connection);
        // Bo's client vanished without a `$disconnect` (API Gateway: 410 Gone).
        w.hub.vanish(&bo_connection);
        w.chat.send(&ada, "lobby", send("anyone?", "k1")).await.unwrap();
        // The committer publishes on a task of its own: wait for it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut seen = Vec::new();
        while last_presence(&seen).is_none() {
            assert!(std::time::Instant::now() < deadline, "no presence after the push failed: {seen:?}");
            seen.extend(w.hub.take_events(&ada_connection));
            std::thread::yield_now();
        }
        assert_eq!(last_presence(&seen).unwrap(), ["ada"], "{seen:?}");
        assert!(seen.iter().any(|event| matches!(event, ServerEvent::Message { .. })), "ada got her message");
        assert_eq!(w.chat.identity(&bo_connection).await.unwrap_err().code, ErrorCode::Unauthorized);
        let members = w.chat.members(&ada, "lobby").await.unwrap();
        let online: Vec<&str> = members.iter().filter(|m| m.online).map(|m| m.name.as_str()).collect();
        assert_eq!(online, ["ada"]);
    });
}

#[test]
fn presence_expires_for_a_connection_not_heard_from_and_returns_with_a_touch() {
    block_on(async {
        let w = world();
        let (ada, bo) = (user("ada"), user("bo"));
        let bo_connection = arrive(&w, &bo, "c-bo").await;
        w.clock.0.fetch_add(PRESENCE_TTL_MS + 1, Ordering::SeqCst);
        let ada_connection = ConnectionId("c-ada".into());
        w.chat.register(&ada).await.unwrap();
        w.chat.connect(&ada, &ada_connection).await.unwrap();
        let joined = w.chat.join_live(&ada, &ada_connection, "lobby").await.unwrap();
        let online: Vec<&str> = joined.online.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(online, ["ada"], "bo's disconnect was missed, and he was not heard from since");
        w.chat.touch(&bo_connection).await.unwrap();
        w.chat.leave_live(&ada_connection, "lobby").await.unwrap();
        assert_eq!(last_presence(&w.hub.take_events(&bo_connection)).unwrap(), ["bo"], "bo is back");
    });
}
