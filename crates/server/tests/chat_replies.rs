//! Replies over real sockets: a reply sent over the WebSocket or REST
//! reaches the room live with the quote of its original, history quotes the
//! original as it now is (edited, unsent) also after a restart, and every
//! refusal gets the documented error and stores nothing.

mod chat_support;

use chat_support::*;
use moodchat_protocol::{ErrorCode, Quote};
use reqwest::Method;
use serde_json::{json, Value};

fn newest(page: &Value) -> &Value {
    &page["messages"][0]
}

#[tokio::test]
async fn a_reply_is_live_with_its_quote_and_follows_its_original() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;
    let original_id = alice.say("lobby", "a-1", "내일 회의 몇 시예요?").await;
    let original = bob.next_message().await;

    bob.send(json!({"action": "sendMessage", "room": "lobby", "client_id": "b-1", "text": "3시요", "reply_to": original_id})).await;
    let live = loop {
        let message = alice.next_message().await;
        if message.client_id == "b-1" {
            break message;
        }
    };
    assert_eq!(live.text, "3시요");
    assert_eq!(live.reply_to, Some(Quote::of(&original)));
    assert_eq!(live.reply_to.as_ref().unwrap().sender.name, "alice");

    // Over REST too (a polling client), read back by another person.
    let carol = Rest::new(&server, "carol");
    let (status, by_rest) = carol
        .post("/rooms/lobby/messages", json!({"client_id": "c-1", "text": "me too", "reply_to": original_id}))
        .await;
    assert_eq!(status, 201, "{by_rest}");
    assert_eq!(by_rest["reply_to"]["text"], "내일 회의 몇 시예요?");

    // The original is edited, then unsent: its quotes follow.
    let rest_alice = Rest::new(&server, "alice");
    let edit = Some(json!({"text": "내일 회의는 몇 시?"}));
    assert_eq!(rest_alice.call(Method::PUT, &format!("/rooms/lobby/messages/{original_id}"), edit).await.0, 200);
    let (_, page) = carol.get("/rooms/lobby/messages?limit=1").await;
    assert_eq!(newest(&page)["reply_to"]["text"], "내일 회의는 몇 시?", "{page}");

    assert_eq!(rest_alice.call(Method::DELETE, &format!("/rooms/lobby/messages/{original_id}"), None).await.0, 200);
    server.stop();
    let server = TestServer::start(dir.path()).await;
    let (_, page) = Rest::new(&server, "carol").get("/rooms/lobby/messages").await;
    let quotes: Vec<&Value> = page["messages"].as_array().unwrap().iter().filter_map(|m| m.get("reply_to")).collect();
    assert_eq!(quotes.len(), 2, "{page}");
    for quote in quotes {
        assert_eq!((&quote["id"], &quote["deleted"], &quote["text"]), (&json!(original_id), &json!(true), &json!("")));
    }
    assert!(!page.to_string().contains("회의"), "the unsent original's words are nowhere: {page}");
}

#[tokio::test]
async fn refused_replies_get_the_documented_errors_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let alice = Rest::new(&server, "alice");
    let bob = Rest::new(&server, "bob");
    bob.get("/rooms").await;
    alice.post("/rooms/lobby/messages", json!({"client_id": "a-1", "text": "kept"})).await;
    let (_, gone) = alice.post("/rooms/lobby/messages", json!({"client_id": "a-2", "text": "gone"})).await;
    let gone = gone["id"].as_str().unwrap().to_string();
    assert_eq!(alice.call(Method::DELETE, &format!("/rooms/lobby/messages/{gone}"), None).await.0, 200);
    let (_, club) = alice.post("/rooms", json!({"name": "club"})).await;
    let club = club["id"].as_str().unwrap().to_string();
    let (_, elsewhere) = alice.post(&format!("/rooms/{club}/messages"), json!({"client_id": "a-3", "text": "there"})).await;

    let cases = [
        (json!("not-an-id"), 400, "bad_request"),
        (json!(42), 400, "bad_request"),
        (json!("01JZZZZZZZZZZZZZZZZZZZZZZZ"), 404, "not_found"),
        (elsewhere["id"].clone(), 404, "not_found"),
        (json!(gone), 409, "conflict"),
    ];
    for (n, (reply_to, status, code)) in cases.into_iter().enumerate() {
        let body = json!({"client_id": format!("b-{n}"), "text": "re", "reply_to": reply_to});
        assert_error(&bob.post("/rooms/lobby/messages", body).await, status, code);
    }
    let (_, page) = bob.get("/rooms/lobby/messages").await;
    let texts: Vec<&str> = page["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["", "kept"], "nothing stored: {page}");

    // Over the WebSocket: an error frame with the send's client_id; the connection stays.
    let mut ws = WsClient::connect(&server, "bob").await;
    ws.join("lobby", None).await;
    ws.send(json!({"action": "sendMessage", "room": "lobby", "client_id": "w-1", "text": "re", "reply_to": gone})).await;
    assert_eq!(ws.expect_error().await, (ErrorCode::Conflict, Some("w-1".into())));
    ws.assert_alive().await;
}
