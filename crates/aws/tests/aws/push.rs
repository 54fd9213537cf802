//! The pusher against a management endpoint that accepts connections and
//! never answers (a stalled network path): a deferring pusher's `publish`
//! returns at once, so the `$default` function's ack to the sender never
//! waits on it, and `settle` gives the stalled post up after its timeout
//! without reporting a live connection as gone.

use super::support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use moodchat_aws::push::PUSH_TIMEOUT;
use moodchat_aws::sdk::Environment;
use moodchat_aws::{DynamoConnections, ManagementApiPusher};
use moodchat_core::ports::{Clock, ConnectionId, ConnectionRegistry, Identity, Pusher, SystemClock};
use moodchat_protocol::ServerEvent;

#[test]
fn a_stalled_push_never_holds_the_publish_and_is_not_reported_gone() {
    let table = support::fresh_table();
    support::block_on(async {
        let stalled = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}/prod", stalled.local_addr().unwrap());
        let held = tokio::spawn(async move {
            let mut accepted = Vec::new();
            while let Ok((socket, _)) = stalled.accept().await {
                accepted.push(socket); // read nothing, answer nothing
            }
        });

        let registry = DynamoConnections::new(table, Arc::new(SystemClock));
        let who = Identity { sub: "sub-slow".into(), username: "slow".into(), name: "Slow".into(), email: None };
        let connection = ConnectionId("c-slow".into());
        registry.connect(&connection, &who, Clock::now_ms(&SystemClock)).await.unwrap();
        registry.subscribe(&connection, "lobby").await.unwrap();
        let management = Environment::local(support::REGION).management_api(&endpoint);
        let pusher = ManagementApiPusher::new(management, registry).deferring();

        let started = Instant::now();
        assert!(pusher.publish("lobby", ServerEvent::Pong, None).await.is_empty());
        assert!(started.elapsed() < Duration::from_secs(1), "publish waited {:?}", started.elapsed());
        assert!(pusher.settle().await.is_empty(), "a stalled post is not a gone connection");
        let waited = started.elapsed();
        assert!(waited >= PUSH_TIMEOUT && waited < PUSH_TIMEOUT + Duration::from_secs(2), "settled after {waited:?}");
        held.abort();
    });
}
