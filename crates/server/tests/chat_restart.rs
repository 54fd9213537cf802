//! No loss, no duplicates, order kept: a client that rejoins with `since`
//! after the server was stopped and restarted on the same data directory
//! mid-conversation, and a client joining with `since` while messages are
//! being sent (the backfill/live merge).

mod chat_support;

use std::collections::HashSet;

use chat_support::*;
use moodchat_core::rate_limit::RateLimits;
use moodchat_protocol::{Message, ServerEvent};
use moodchat_server::chat::ChatConfig;

fn assert_exactly(received: &[Message], expected: &[String]) {
    let got: Vec<&str> = received.iter().map(|m| m.id.as_str()).collect();
    let unique: HashSet<&str> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len(), "duplicates in {got:?}");
    let want: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(got, want, "lost, extra or out-of-order messages");
}

#[tokio::test]
async fn rejoining_with_since_after_a_restart_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;

    let mut acked = Vec::new();
    for i in 0..20 {
        acked.push(alice.say("lobby", &format!("before-{i}"), &format!("message {i}")).await);
    }
    // Bob has read only the first 8 when everything goes down.
    let mut bob_has = Vec::new();
    for _ in 0..8 {
        bob_has.push(bob.next_message().await);
    }
    server.stop();

    let server = TestServer::start(dir.path()).await;
    let mut alice = WsClient::connect(&server, "alice").await;
    alice.join("lobby", Some(acked.last().unwrap())).await;
    // Alice keeps talking while Bob is still away...
    for i in 0..5 {
        acked.push(alice.say("lobby", &format!("after-{i}"), &format!("later {i}")).await);
    }
    // ...and retries one send from before the restart: still one message.
    let retry = alice.say("lobby", "before-3", "message 3").await;
    assert_eq!(retry, acked[3]);

    let mut bob = WsClient::connect(&server, "bob").await;
    let since = bob_has.last().unwrap().id.clone();
    bob_has.extend(bob.join("lobby", Some(&since)).await);
    for i in 0..5 {
        acked.push(alice.say("lobby", &format!("live-{i}"), &format!("live {i}")).await);
    }
    while bob_has.len() < acked.len() {
        bob_has.push(bob.next_message().await);
    }
    assert_exactly(&bob_has, &acked);
    bob.assert_alive().await;
}

#[tokio::test]
async fn joining_with_since_while_messages_keep_arriving_merges_backfill_and_live() {
    let dir = tempfile::tempdir().unwrap();
    // This test is about ordering, not about the rate limit.
    let fast = RateLimits::burst_then(10_000, 10_000);
    let server = TestServer::start_with(dir.path(), ChatConfig { ws_frames: fast, ..ChatConfig::default() }).await;
    let mut alice = WsClient::connect(&server, "alice").await;
    // More history than one backfill page (200), so the merge spans pages.
    let mut expected = Vec::new();
    for i in 0..260 {
        expected.push(alice.say("lobby", &format!("seed-{i}"), "seed").await);
    }
    let since = expected.remove(0);

    // Alice keeps sending from another task while Bob joins with `since`.
    let sending = tokio::spawn(async move {
        let mut ids = Vec::new();
        for i in 0..100 {
            ids.push(alice.say("lobby", &format!("burst-{i}"), "burst").await);
        }
        ids
    });
    let mut bob = WsClient::connect(&server, "bob").await;
    let mut received = bob.join("lobby", Some(&since)).await;
    expected.extend(sending.await.unwrap());
    while received.len() < expected.len() {
        received.push(bob.next_message().await);
    }
    assert_exactly(&received, &expected);
    bob.assert_alive().await;
}

/// `since` as a seq (a number, what clients keep now): the backfill is
/// every message after it, with its seq; the ack and the `read` event carry
/// seqs too.
#[tokio::test]
async fn joining_since_a_seq_replays_what_came_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;
    let mut acked = Vec::new();
    for i in 0..6 {
        acked.push(alice.say("lobby", &format!("k{i}"), &format!("message {i}")).await);
    }
    let mut bob_again = WsClient::connect(&server, "bob").await;
    bob_again.send(serde_json::json!({"action": "join", "room": "lobby", "since": 2})).await;
    let mut backfill = Vec::new();
    while let ServerEvent::Message { message } =
        bob_again.wait_for(|e| matches!(e, ServerEvent::Message { .. } | ServerEvent::Joined { .. })).await
    {
        backfill.push(message);
    }
    assert_exactly(&backfill, &acked[2..]);
    assert_eq!(backfill.iter().map(|m| m.seq).collect::<Vec<_>>(), [3, 4, 5, 6]);

    bob.send(serde_json::json!({"action": "read", "room": "lobby", "message_id": acked[3]})).await;
    let read = alice.wait_for(|e| matches!(e, ServerEvent::Read { .. })).await;
    let ServerEvent::Read { message_id, seq, .. } = read else { unreachable!() };
    assert_eq!((message_id.as_str(), seq), (acked[3].as_str(), 4));

    alice.send(serde_json::json!({"action": "sendMessage", "room": "lobby", "client_id": "k6", "text": "seven"})).await;
    let ack = alice.wait_for(|e| matches!(e, ServerEvent::Ack { .. })).await;
    assert!(matches!(ack, ServerEvent::Ack { seq: 7, .. }), "{ack:?}");
}
