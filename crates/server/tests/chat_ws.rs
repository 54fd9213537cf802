//! The WebSocket API over real sockets: chatting, idempotency, and every kind
//! of bad input answered with an error event while the connection stays up.

mod chat_support;

use std::time::Duration;

use chat_support::*;
use moodchat_protocol::{ErrorCode, ServerEvent};
use moodchat_server::chat::ChatConfig;
use serde_json::json;

#[tokio::test]
async fn two_users_chat_in_the_lobby() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;

    let id = alice.say("lobby", "a-1", "  hi bob  ").await;
    let received = bob.next_message().await;
    assert_eq!(received.id, id);
    assert_eq!(received.text, "hi bob", "trimmed");
    assert_eq!((received.sender.sub.as_str(), received.sender.name.as_str()), ("sub-alice", "alice"));
    assert_eq!(received.client_id, "a-1");
    let echoed = alice.next_message().await;
    assert_eq!(echoed.id, id, "the sender gets its own message too");

    let reply = bob.say("lobby", "b-1", "hello alice").await;
    assert_eq!(alice.next_message().await.id, reply);
    assert!(reply > id, "ids increase");
}

#[tokio::test]
async fn presence_and_typing_reach_the_other_user() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut alice = WsClient::connect(&server, "alice").await;
    alice.join("lobby", None).await;
    let mut bob = WsClient::connect(&server, "bob").await;
    bob.join("lobby", None).await;
    alice
        .wait_for(|e| matches!(e, ServerEvent::Presence { online, .. } if online.iter().any(|u| u.name == "bob")))
        .await;
    bob.send(json!({"action": "typing", "room": "lobby"})).await;
    let typing = alice.wait_for(|e| matches!(e, ServerEvent::Typing { .. })).await;
    assert!(matches!(typing, ServerEvent::Typing { user, .. } if user.name == "bob"));
    bob.close().await;
    alice
        .wait_for(|e| matches!(e, ServerEvent::Presence { online, .. } if online.iter().all(|u| u.name != "bob")))
        .await;
}

#[tokio::test]
async fn a_direct_conversation_is_private_to_its_two_members() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    // Users become known by making a request; eve too.
    for user in ["alice", "bob", "eve"] {
        Rest::new(&server, user).get("/rooms").await;
    }
    let (status, room) = Rest::new(&server, "alice").post("/dms", json!({"user": "bob"})).await;
    assert_eq!(status, 200, "{room}");
    let room_id = room["id"].as_str().unwrap().to_string();

    let mut alice = WsClient::connect(&server, "alice").await;
    let mut bob = WsClient::connect(&server, "bob").await;
    let mut eve = WsClient::connect(&server, "eve").await;
    alice.join(&room_id, None).await;
    bob.join(&room_id, None).await;
    let id = alice.say(&room_id, "dm-1", "just between us").await;
    assert_eq!(bob.next_message().await.id, id);

    eve.send(json!({"action": "join", "room": room_id})).await;
    assert_eq!(eve.expect_error().await.0, ErrorCode::Forbidden);
    eve.send(json!({"action": "sendMessage", "room": room_id, "client_id": "e", "text": "let me in"})).await;
    assert_eq!(eve.expect_error().await, (ErrorCode::Forbidden, Some("e".into())));
    eve.assert_alive().await;
}

#[tokio::test]
async fn a_retried_send_is_acked_with_the_same_id_and_delivered_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;
    let first = alice.say("lobby", "same", "once").await;
    let again = alice.say("lobby", "same", "once").await;
    assert_eq!(first, again);
    let marker = alice.say("lobby", "marker", "after").await;
    assert_eq!(bob.next_message().await.id, first);
    assert_eq!(bob.next_message().await.id, marker, "no second copy of the retried message");
}

#[tokio::test]
async fn the_wscat_tutorial_frame_posts_to_the_lobby() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut client = WsClient::connect(&server, "alice").await;
    client.join("lobby", None).await;
    client.send(json!({"action": "sendMessage", "message": "hi"})).await;
    let ack = client.wait_for(|e| matches!(e, ServerEvent::Ack { .. })).await;
    let ServerEvent::Ack { room, client_id, .. } = ack else { unreachable!() };
    assert_eq!(room, "lobby");
    assert!(!client_id.is_empty(), "the server made up a client_id");
    assert_eq!(client.next_message().await.text, "hi");
}

#[tokio::test]
async fn each_bad_frame_gets_its_error_and_the_connection_stays_up() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut client = WsClient::connect(&server, "alice").await;
    let cases = [
        ("{not json".to_string(), ErrorCode::BadRequest),
        (json!({"room": "lobby"}).to_string(), ErrorCode::BadRequest),
        (json!({"action": "dance"}).to_string(), ErrorCode::UnknownAction),
        (json!({"action": "join", "room": 42}).to_string(), ErrorCode::BadRequest),
        (json!({"action": "join", "room": "nowhere"}).to_string(), ErrorCode::NotFound),
        (json!({"action": "join", "room": "lobby", "since": "yesterday"}).to_string(), ErrorCode::BadRequest),
        (json!({"action": "read", "room": "lobby", "message_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}).to_string(), ErrorCode::NotFound),
        (json!({"action": "typing", "room": "nowhere"}).to_string(), ErrorCode::NotFound),
    ];
    for (frame, code) in cases {
        client.send_text(frame.clone()).await;
        assert_eq!(client.expect_error().await.0, code, "for {frame}");
    }
    let sends = [
        (json!({"action": "sendMessage", "room": "lobby", "client_id": "e1", "text": "   "}), ErrorCode::BadRequest),
        (json!({"action": "sendMessage", "room": "lobby", "client_id": "e2", "text": "x".repeat(4001)}), ErrorCode::TooLarge),
        (json!({"action": "sendMessage", "room": "nowhere", "client_id": "e3", "text": "hi"}), ErrorCode::NotFound),
        (json!({"action": "sendMessage", "room": "lobby", "client_id": "has space", "text": "hi"}), ErrorCode::BadRequest),
    ];
    for (frame, code) in sends {
        let client_id = frame["client_id"].as_str().unwrap().to_string();
        client.send(frame.clone()).await;
        assert_eq!(client.expect_error().await, (code, Some(client_id)), "for {frame}");
    }
    client.assert_alive().await;
    let accepted = client.say("lobby", "ok", &"y".repeat(4000)).await;
    assert_eq!(accepted.len(), 26, "4000 characters are fine");
}

#[tokio::test]
async fn frames_over_the_rate_limit_are_refused_but_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut client = WsClient::connect(&server, "alice").await;
    // The burst is 20 frames; 30 pings at once must hit the limit.
    for _ in 0..30 {
        client.send(json!({"action": "ping"})).await;
    }
    let (mut pongs, mut limited) = (0, 0);
    while pongs + limited < 30 {
        match client.wait_for(|e| matches!(e, ServerEvent::Pong | ServerEvent::Error { .. })).await {
            ServerEvent::Pong => pongs += 1,
            ServerEvent::Error { code: ErrorCode::RateLimited, .. } => limited += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(pongs >= 20 && limited >= 1, "{pongs} pongs, {limited} limited");
}

#[tokio::test]
async fn an_oversized_frame_closes_with_1009() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut client = WsClient::connect(&server, "alice").await;
    let huge = json!({"action": "sendMessage", "text": "z".repeat(40 * 1024)});
    client.send(huge).await;
    match client.next().await {
        Next::Closed(Some(frame)) => assert_eq!(u16::from(frame.code), 1009),
        other => panic!("expected close 1009, got {other:?}"),
    }
}

#[tokio::test]
async fn an_idle_connection_is_closed_and_pings_keep_it_open() {
    let dir = tempfile::tempdir().unwrap();
    let config = ChatConfig { idle_timeout: Duration::from_millis(600), ..ChatConfig::default() };
    let server = TestServer::start_with(dir.path(), config).await;
    let mut busy = WsClient::connect(&server, "alice").await;
    // Taken before the silent client connects: its idle clock starts when
    // the server accepts it, never earlier.
    let started = tokio::time::Instant::now();
    let mut idle = WsClient::connect(&server, "bob").await;
    // The busy client pings every 200 ms (that activity is what is under
    // test) until the silent one has been closed; the wait itself is bounded
    // by the client's deadline.
    let mut every = tokio::time::interval(Duration::from_millis(200));
    let closed = loop {
        tokio::select! {
            closed = idle.next() => break closed,
            _ = every.tick() => busy.assert_alive().await,
        }
    };
    assert!(started.elapsed() >= Duration::from_millis(600), "closed before the idle timeout");
    match closed {
        Next::Closed(Some(frame)) => assert_eq!(u16::from(frame.code), 1000),
        other => panic!("expected an idle close, got {other:?}"),
    }
    busy.assert_alive().await;
}

#[tokio::test]
async fn a_plain_get_without_upgrade_is_a_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let response = reqwest::get(server.url(&format!("/api/ws?token={}", token("alice")))).await.unwrap();
    let answer = read(response).await;
    assert_error(&answer, 400, "bad_request");
}
