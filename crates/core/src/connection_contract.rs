//! The contract of `ConnectionRegistry` and `Pusher`, as tests every
//! adapter runs: the in-memory hub here, the embedded hub in the server,
//! DynamoDB + API Gateway later. What a stateless handler relies on: a
//! connection's identity outlives the call that recorded it, subscriptions
//! decide who hears a room, and presence expires without a `$disconnect`.
//! An adapter's test calls `connection_contract_tests!` with a fresh
//! fixture per test and a way to run a future to completion.

use moodchat_protocol::{ServerEvent, UserRef};

use crate::ports::{ConnectionId, ConnectionRegistry, Identity, Pusher};

/// A fresh registry and the pusher over the same connections.
pub trait Fixture {
    fn registry(&self) -> &dyn ConnectionRegistry;
    fn pusher(&self) -> &dyn Pusher;
}

impl Fixture for crate::memory::InMemoryHub {
    fn registry(&self) -> &dyn ConnectionRegistry {
        self
    }
    fn pusher(&self) -> &dyn Pusher {
        self
    }
}

/// One `#[test]` per contract check.
#[macro_export]
macro_rules! connection_contract_tests {
    ($fixture:expr, $block_on:expr) => {
        $crate::connection_contract_tests!(@each $fixture, $block_on,
            a_connection_keeps_its_identity_until_it_disconnects,
            subscriptions_decide_who_is_online,
            disconnecting_returns_the_rooms_it_followed,
            a_users_connections_are_subscribed_together,
            presence_expires_unless_the_connection_is_touched,
            a_publish_to_a_room_nobody_follows_loses_nothing);
    };
    (@each $fixture:expr, $block_on:expr, $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let fixture = $fixture;
                ($block_on)($crate::connection_contract::$name(&fixture));
            }
        )*
    };
}

fn identity(name: &str) -> Identity {
    Identity {
        sub: format!("sub-{name}"),
        username: name.into(),
        name: name.into(),
        email: Some(format!("{name}@example.com")),
    }
}

fn connection(id: &str) -> ConnectionId {
    ConnectionId(id.into())
}

fn names(users: &[UserRef]) -> Vec<&str> {
    users.iter().map(|user| user.name.as_str()).collect()
}

/// What a `$default` handler does with every frame: ask who is speaking.
pub async fn a_connection_keeps_its_identity_until_it_disconnects(fixture: &impl Fixture) {
    let registry = fixture.registry();
    let ada = identity("ada");
    assert_eq!(registry.identity(&connection("c-ada")).await.unwrap(), None, "never connected");
    registry.connect(&connection("c-ada"), &ada, 1_000).await.unwrap();
    registry.connect(&connection("c-bo"), &identity("bo"), 1_000).await.unwrap();
    assert_eq!(registry.identity(&connection("c-ada")).await.unwrap(), Some(ada));
    assert_eq!(registry.identity(&connection("c-bo")).await.unwrap(), Some(identity("bo")));
    registry.disconnect(&connection("c-ada")).await.unwrap();
    assert_eq!(registry.identity(&connection("c-ada")).await.unwrap(), None, "forgotten on disconnect");
    assert_eq!(registry.identity(&connection("c-bo")).await.unwrap(), Some(identity("bo")), "others stay");
}

pub async fn subscriptions_decide_who_is_online(fixture: &impl Fixture) {
    let registry = fixture.registry();
    for name in ["ada", "bo", "cy"] {
        registry.connect(&connection(&format!("c-{name}")), &identity(name), 1_000).await.unwrap();
    }
    // Bo has a second tab: he is listed once.
    registry.connect(&connection("c-bo-2"), &identity("bo"), 1_000).await.unwrap();
    for id in ["c-cy", "c-bo", "c-bo-2", "c-ada"] {
        registry.subscribe(&connection(id), "lobby").await.unwrap();
    }
    registry.subscribe(&connection("c-ada"), "garden").await.unwrap();
    assert_eq!(names(&registry.online("lobby", 0).await.unwrap()), ["ada", "bo", "cy"], "each once, by name");
    assert_eq!(names(&registry.online("garden", 0).await.unwrap()), ["ada"]);
    registry.unsubscribe(&connection("c-bo"), "lobby").await.unwrap();
    assert_eq!(names(&registry.online("lobby", 0).await.unwrap()), ["ada", "bo", "cy"], "bo's other tab");
    registry.unsubscribe(&connection("c-bo-2"), "lobby").await.unwrap();
    assert_eq!(names(&registry.online("lobby", 0).await.unwrap()), ["ada", "cy"]);
    assert!(registry.online("nowhere", 0).await.unwrap().is_empty());
    // A connection that was never made cannot subscribe (a frame racing its
    // own disconnect must not resurrect it).
    registry.subscribe(&connection("c-ghost"), "lobby").await.unwrap();
    assert_eq!(names(&registry.online("lobby", 0).await.unwrap()), ["ada", "cy"]);
}

pub async fn disconnecting_returns_the_rooms_it_followed(fixture: &impl Fixture) {
    let registry = fixture.registry();
    registry.connect(&connection("c-ada"), &identity("ada"), 1_000).await.unwrap();
    for room in ["lobby", "garden"] {
        registry.subscribe(&connection("c-ada"), room).await.unwrap();
    }
    let mut rooms = registry.disconnect(&connection("c-ada")).await.unwrap();
    rooms.sort();
    assert_eq!(rooms, ["garden", "lobby"]);
    assert!(registry.online("lobby", 0).await.unwrap().is_empty());
    assert!(registry.disconnect(&connection("c-ada")).await.unwrap().is_empty(), "a second disconnect is a no-op");
}

pub async fn a_users_connections_are_subscribed_together(fixture: &impl Fixture) {
    let registry = fixture.registry();
    registry.connect(&connection("c-bo-1"), &identity("bo"), 1_000).await.unwrap();
    registry.connect(&connection("c-bo-2"), &identity("bo"), 1_000).await.unwrap();
    registry.connect(&connection("c-cy"), &identity("cy"), 1_000).await.unwrap();
    registry.subscribe_user("sub-bo", "dm_bo_cy").await.unwrap();
    assert_eq!(names(&registry.online("dm_bo_cy", 0).await.unwrap()), ["bo"]);
    let mut rooms = registry.disconnect(&connection("c-bo-2")).await.unwrap();
    rooms.retain(|room| room == "dm_bo_cy");
    assert_eq!(rooms, ["dm_bo_cy"], "each of the user's connections followed the room");
}

/// A `$disconnect` can be missed: a connection nobody has heard from for
/// longer than the caller's window is not online, though still subscribed.
pub async fn presence_expires_unless_the_connection_is_touched(fixture: &impl Fixture) {
    let registry = fixture.registry();
    registry.connect(&connection("c-ada"), &identity("ada"), 1_000).await.unwrap();
    registry.connect(&connection("c-bo"), &identity("bo"), 1_000).await.unwrap();
    for id in ["c-ada", "c-bo"] {
        registry.subscribe(&connection(id), "lobby").await.unwrap();
    }
    assert_eq!(names(&registry.online("lobby", 1_000).await.unwrap()), ["ada", "bo"], "seen at the bound counts");
    registry.touch(&connection("c-bo"), 5_000).await.unwrap();
    assert_eq!(names(&registry.online("lobby", 1_001).await.unwrap()), ["bo"], "ada was not heard from since");
    registry.touch(&connection("c-ada"), 6_000).await.unwrap();
    assert_eq!(names(&registry.online("lobby", 5_500).await.unwrap()), ["ada"]);
    registry.touch(&connection("c-never"), 9_000).await.unwrap();
    assert_eq!(registry.identity(&connection("c-never")).await.unwrap(), None, "touch does not connect");
}

pub async fn a_publish_to_a_room_nobody_follows_loses_nothing(fixture: &impl Fixture) {
    let (registry, pusher) = (fixture.registry(), fixture.pusher());
    registry.connect(&connection("c-ada"), &identity("ada"), 1_000).await.unwrap();
    assert!(pusher.publish("empty", ServerEvent::Pong, None).await.is_empty());
    assert!(pusher.publish_to_user("sub-nobody", ServerEvent::Pong).await.is_empty());
}
