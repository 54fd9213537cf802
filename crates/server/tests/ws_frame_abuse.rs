//! WebSocket frames are held to REST's rules (issue 13, item 7): a member
//! named twice is refused, not "the last one wins", and invalid frames are
//! charged to the connection's rate limit like valid ones.

mod chat_support;

use chat_support::*;
use moodchat_protocol::limits::WS_FRAMES_BURST;
use moodchat_protocol::{ErrorCode, ServerEvent};
use serde_json::json;

#[tokio::test]
async fn a_frame_with_a_member_named_twice_is_refused_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;
    let frames = [
        r#"{"action":"sendMessage","room":"lobby","client_id":"d1","text":"what bob's filter saw","text":"what got stored"}"#,
        r#"{"action":"ping","action":"sendMessage","room":"lobby","client_id":"d2","text":"smuggled"}"#,
        r#"{"action":"sendMessage","room":"lobby","room":"elsewhere","client_id":"d3","text":"hi"}"#,
    ];
    for frame in frames {
        alice.send_text(frame.to_owned()).await;
        let (code, _) = alice.expect_error().await;
        assert_eq!(code, ErrorCode::BadRequest, "{frame}");
    }
    alice.assert_alive().await;
    let id = alice.say("lobby", "ok", "a clean frame").await;
    let received = bob.next_message().await;
    assert_eq!(received.id, id, "nothing from the refused frames was stored or delivered first");
}

#[tokio::test]
async fn invalid_frames_are_charged_to_the_rate_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut mallory = WsClient::connect(&server, "mallory").await;
    let flood = WS_FRAMES_BURST as usize + 15;
    for _ in 0..flood {
        mallory.send_text("{not json".to_owned()).await;
    }
    let mut codes = Vec::new();
    for _ in 0..flood {
        codes.push(mallory.expect_error().await.0);
    }
    let limited = codes.iter().filter(|code| **code == ErrorCode::RateLimited).count();
    // The burst, plus what the bucket refilled (10/s) while the flood was sent.
    assert!(limited >= 10, "only {limited} of {flood} invalid frames were rate limited: {codes:?}");
    assert_eq!(limited + codes.iter().filter(|code| **code == ErrorCode::BadRequest).count(), flood);

    // A send over the limit still gets its client_id back, for the retry.
    mallory.send(json!({"action": "sendMessage", "room": "lobby", "client_id": "late", "text": "hi"})).await;
    match mallory.wait_for(|e| matches!(e, ServerEvent::Error { .. })).await {
        ServerEvent::Error { code, client_id, .. } => {
            assert_eq!((code, client_id.as_deref()), (ErrorCode::RateLimited, Some("late")))
        }
        _ => unreachable!(),
    }
}
