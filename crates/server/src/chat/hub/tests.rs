//! The hub's rules, without sockets.

use moodchat_core::{ConnectionRegistry, Pusher};

use super::*;

fn user(name: &str) -> Identity {
    Identity { sub: name.into(), username: name.into(), name: name.into(), email: None }
}

fn hub(outbox_capacity: usize, presence_delay: Duration) -> Hub {
    Hub::new(HubSettings { outbox_capacity, presence_delay, ..HubSettings::default() })
}

#[tokio::test]
async fn publishes_to_subscribers_except_the_skipped_one() {
    let hub = hub(8, Duration::from_millis(1));
    let mut a = hub.connect(user("a"), None).unwrap();
    let mut b = hub.connect(user("b"), None).unwrap();
    hub.subscribe(&a.id, "lobby").await.unwrap();
    hub.subscribe(&b.id, "lobby").await.unwrap();
    hub.publish("lobby", ServerEvent::Pong, Some(&a.id)).await;
    assert!(matches!(b.outbox.try_recv(), Ok(Outbound::Event(_))));
    assert!(a.outbox.try_recv().is_err());
}

#[tokio::test]
async fn a_full_outbox_kicks_the_connection_instead_of_dropping_events() {
    let hub = hub(2, Duration::from_secs(60));
    let slow = hub.connect(user("slow"), None).unwrap();
    hub.subscribe(&slow.id, "lobby").await.unwrap();
    for _ in 0..3 {
        hub.publish("lobby", ServerEvent::Pong, None).await;
    }
    let reason = tokio::time::timeout(Duration::from_secs(1), slow.kick.kicked()).await.expect("kicked");
    assert_eq!(reason, Kick::SlowConsumer);
    assert_eq!(hub.connection_count(), 0);
    assert!(hub.online("lobby", 0).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_user_gets_a_bounded_number_of_connections_and_dropped_slots_are_given_back() {
    let hub = Hub::new(HubSettings { max_connections_per_user: 2, ..HubSettings::default() });
    let first = hub.connect(user("bo"), None).unwrap();
    let _second = hub.connect(user("bo"), None).unwrap();
    assert_eq!(hub.connect(user("bo"), None).err().map(|e| e.limit), Some(2));
    assert!(hub.connect(user("al"), None).is_ok(), "other users are not affected");
    drop(first);
    assert!(hub.connect(user("bo"), None).is_ok(), "a closed connection frees its place");
}

#[tokio::test]
async fn signing_out_closes_the_users_connections_of_that_session_or_all() {
    let hub = hub(8, Duration::from_secs(60));
    let phone = hub.connect(user("bo"), Some("s1".into())).unwrap();
    let laptop = hub.connect(user("bo"), Some("s2".into())).unwrap();
    let other = hub.connect(user("al"), Some("s1".into())).unwrap();
    hub.sign_out("bo", Some("s1"));
    assert_eq!(phone.kick.reason(), Some(Kick::SignedOut));
    assert_eq!(laptop.kick.reason(), None, "another session of the same user stays");
    hub.sign_out("bo", None);
    assert_eq!(laptop.kick.reason(), Some(Kick::SignedOut));
    assert_eq!(other.kick.reason(), None, "someone else's session with the same id is not touched");
    assert_eq!(hub.connection_count(), 1);
}

#[tokio::test]
async fn a_users_connections_are_subscribed_and_told_together() {
    let hub = hub(8, Duration::from_secs(60));
    let mut tab1 = hub.connect(user("bo"), None).unwrap();
    let mut tab2 = hub.connect(user("bo"), None).unwrap();
    let mut other = hub.connect(user("al"), None).unwrap();
    hub.subscribe_user("bo", "dm_1").await.unwrap();
    hub.publish_to_user("bo", ServerEvent::RoomAdded { room: "dm_1".into() }).await;
    hub.publish("dm_1", ServerEvent::Pong, None).await;
    for tab in [&mut tab1, &mut tab2] {
        let Ok(Outbound::Event(added)) = tab.outbox.try_recv() else { panic!("no room_added") };
        assert_eq!(added.as_str(), r#"{"type":"room_added","room":"dm_1"}"#);
        assert!(matches!(tab.outbox.try_recv(), Ok(Outbound::Event(_))), "live in the room");
    }
    assert!(other.outbox.try_recv().is_err(), "someone else's tabs hear nothing");
    assert_eq!(hub.online("dm_1", 0).await.unwrap(), vec![user("bo").user_ref()]);
}

#[tokio::test]
async fn presence_bursts_are_coalesced_into_one_event() {
    let hub = hub(64, Duration::from_millis(50));
    let mut watcher = hub.connect(user("watcher"), None).unwrap();
    hub.subscribe(&watcher.id, "lobby").await.unwrap();
    let mut others = Vec::new();
    for i in 0..10 {
        let other = hub.connect(user(&format!("u{i}")), None).unwrap();
        hub.subscribe(&other.id, "lobby").await.unwrap();
        // What the core does on each change: compute presence and publish it.
        let online = hub.online("lobby", 0).await.unwrap();
        hub.publish("lobby", ServerEvent::Presence { room: "lobby".into(), online }, None).await;
        others.push(other);
    }
    let first = tokio::time::timeout(Duration::from_secs(2), watcher.outbox.recv()).await.unwrap().unwrap();
    let Outbound::Event(json) = first else { panic!("not an event") };
    let event: ServerEvent = serde_json::from_str(json.as_str()).unwrap();
    let ServerEvent::Presence { online, .. } = event else { panic!("{event:?}") };
    assert_eq!(online.len(), 11);
    assert!(watcher.outbox.try_recv().is_err(), "one presence event for the burst");
}

#[tokio::test]
async fn a_push_reports_the_connections_it_could_not_reach() {
    let hub = hub(1, Duration::from_secs(60));
    let mut here = hub.connect(user("here"), None).unwrap();
    let slow = hub.connect(user("slow"), None).unwrap();
    // Recorded through the port by another process: no socket in this one.
    let elsewhere = ConnectionId("elsewhere".into());
    ConnectionRegistry::connect(&hub, &elsewhere, &user("far"), 1).await.unwrap();
    for id in [&here.id, &slow.id, &elsewhere] {
        hub.subscribe(id, "lobby").await.unwrap();
    }
    assert_eq!(hub.publish("lobby", ServerEvent::Pong, None).await, vec![elsewhere.clone()]);
    here.outbox.try_recv().unwrap();
    let mut undelivered = hub.publish("lobby", ServerEvent::Pong, None).await;
    undelivered.sort();
    let mut expected = vec![slow.id.clone(), elsewhere.clone()];
    expected.sort();
    assert_eq!(undelivered, expected, "the slow one is kicked and reported, the remote one reported");
    assert_eq!(slow.kick.reason(), Some(Kick::SlowConsumer));
    assert_eq!(hub.publish_to_user("far", ServerEvent::Pong).await, vec![elsewhere]);
}

/// The connection contract (`moodchat_core::connection_contract`) on the
/// embedded hub, through the ports only.
mod contract {
    use super::*;

    struct Fresh(Hub);

    impl moodchat_core::connection_contract::Fixture for Fresh {
        fn registry(&self) -> &dyn ConnectionRegistry {
            &self.0
        }
        fn pusher(&self) -> &dyn Pusher {
            &self.0
        }
    }

    fn block_on<F: std::future::Future<Output = ()>>(future: F) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
    }

    moodchat_core::connection_contract_tests!(Fresh(Hub::new(HubSettings::default())), block_on);
}
