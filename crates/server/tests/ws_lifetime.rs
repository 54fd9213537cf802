//! A WebSocket does not outlive what allowed it (issue 13, item 6): it is
//! closed when its token expires (4001) and when its user signs out
//! everywhere or its session is revoked (4002), and one user cannot hold
//! more WebSockets than the limit.

mod chat_support;
mod whole_server;

use chat_support::{id_claims, now_secs, sign, token, Next, TestServer, WsClient, KID, SIGNING_KEY};
use moodchat_protocol::ErrorCode;
use moodchat_server::chat::ChatConfig;
use serde_json::json;
use tokio_tungstenite::tungstenite::Error as WsError;

/// The close code the server ended the connection with, failing the test
/// if it sends anything else first or does not close before the deadline.
async fn close_code(client: &mut WsClient) -> u16 {
    loop {
        match client.next().await {
            Next::Closed(Some(frame)) => return u16::from(frame.code),
            Next::Closed(None) => panic!("closed without a close frame"),
            // Presence of others, or this connection's own.
            Next::Event(_) => continue,
        }
    }
}

#[tokio::test]
async fn a_websocket_is_closed_when_its_token_expires_and_reconnects_with_a_fresh_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut claims = id_claims("alice");
    claims["exp"] = json!(now_secs() + 2);
    let mut short = WsClient::connect_with_token(&server, &sign(&claims, SIGNING_KEY, KID)).await.unwrap();
    short.join("lobby", None).await;
    assert_eq!(close_code(&mut short).await, 4001);

    let mut fresh = WsClient::connect(&server, "alice").await;
    fresh.join("lobby", None).await;
    fresh.assert_alive().await;
}

#[tokio::test]
async fn one_user_cannot_open_more_websockets_than_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let config = ChatConfig { max_websockets_per_user: 3, ..ChatConfig::default() };
    let server = TestServer::start_with(dir.path(), config).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(WsClient::connect(&server, "mallory").await);
    }
    match WsClient::connect_with_token(&server, &token("mallory")).await {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429);
            let body: serde_json::Value = serde_json::from_slice(response.body().as_deref().unwrap_or_default()).unwrap();
            assert_eq!(body["code"], json!(ErrorCode::RateLimited), "{body}");
            assert!(body["message"].as_str().unwrap().contains("at most 3"), "{body}");
        }
        other => panic!("a fourth WebSocket was not refused: {:?}", other.map(|_| ())),
    }
    let mut other_user = WsClient::connect(&server, "alice").await;
    other_user.assert_alive().await;
    for client in &mut open {
        client.assert_alive().await;
    }

    // Closing one gives its place back (its task ends, then the slot).
    open.pop().unwrap().close().await;
    let deadline = tokio::time::Instant::now() + chat_support::DEADLINE;
    let mut again = loop {
        if let Ok(client) = WsClient::connect_with_token(&server, &token("mallory")).await {
            break client;
        }
        assert!(tokio::time::Instant::now() < deadline, "the closed WebSocket's place was not given back");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    again.assert_alive().await;
}

#[tokio::test]
async fn revoking_a_session_or_signing_out_everywhere_closes_its_websockets() {
    let server = whole_server::start(&["--auto-confirm"]).await;
    server.sign_up("kim@example.com", "Kim", whole_server::PASSWORD).await;
    let phone = server.sign_in("kim@example.com", whole_server::PASSWORD).await.unwrap();
    let laptop = server.sign_in("kim@example.com", whole_server::PASSWORD).await.unwrap();
    let addr = server.addr;
    let connect = |tokens: &serde_json::Value| {
        let token = tokens["IdToken"].as_str().unwrap().to_owned();
        async move { WsClient::connect_to(addr, &token).await.unwrap() }
    };
    let mut on_phone = connect(&phone).await;
    let mut on_laptop = connect(&laptop).await;
    on_phone.join("lobby", None).await;
    on_laptop.join("lobby", None).await;

    // Signing out on the phone revokes its refresh token: its socket closes.
    let (status, answer) = server
        .cognito("RevokeToken", json!({"Token": phone["RefreshToken"], "ClientId": whole_server::CLIENT_ID}))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(close_code(&mut on_phone).await, 4002);
    on_laptop.assert_alive().await;

    // "Sign out everywhere" closes the rest.
    let (status, answer) = server.cognito("GlobalSignOut", json!({"AccessToken": laptop["AccessToken"]})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(close_code(&mut on_laptop).await, 4002);
}
