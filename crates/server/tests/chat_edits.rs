//! Edit and unsend over real sockets and the real mood model: the author
//! edits or unsends over REST or WebSocket, the room hears it live, a
//! poller and a resuming connection get the change to an old message
//! (without it counting as unread), the change survives a restart; and
//! what others try is refused with the documented error, changing nothing.

mod chat_support;

use std::sync::Arc;

use chat_support::*;
use moodchat_protocol::{ErrorCode, ServerEvent};
use moodchat_server::chat::ChatConfig;
use moodchat_server::mood::LocalSentiment;
use reqwest::Method;
use serde_json::{json, Value};

fn with_the_model() -> ChatConfig {
    ChatConfig { sentiment: Arc::new(LocalSentiment::embedded()), ..ChatConfig::default() }
}

fn path(room: &str, id: &str) -> String {
    format!("/rooms/{room}/messages/{id}")
}

fn find<'a>(messages: &'a Value, id: &str) -> Option<&'a Value> {
    messages.as_array().unwrap().iter().find(|m| m["id"] == id)
}

#[tokio::test]
async fn an_edit_over_rest_is_live_recomputes_the_mood_and_reaches_a_poller() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), with_the_model()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;
    let id = alice.say("lobby", "a-1", "thanks so much, you saved me").await;
    bob.next_message().await;
    // A poller (Bob's other device, no WebSocket) is up to date.
    let poller = Rest::new(&server, "bob");
    let (_, first) = poller.get("/rooms/lobby/messages").await;
    let (after, changes) = (first["after"].as_str().unwrap().to_string(), first["changes"].as_u64().unwrap());
    let (_, rooms) = poller.get("/rooms").await;
    let unread_before = rooms["rooms"].as_array().unwrap().iter().find(|r| r["id"] == "lobby").unwrap()["unread"].clone();

    let rest = Rest::new(&server, "alice");
    let (status, edited) =
        rest.call(Method::PUT, &path("lobby", &id), Some(json!({"text": "this is terrible, I hate it"}))).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!((edited["text"].as_str(), edited["edited_at"].is_i64()), (Some("this is terrible, I hate it"), true));
    assert_eq!(edited["sentiment"]["label"], "negative", "the model labels the new text");

    for client in [&mut bob, &mut alice] {
        let event = client.wait_for(|e| matches!(e, ServerEvent::MessageChanged { .. })).await;
        let ServerEvent::MessageChanged { message } = event else { unreachable!() };
        assert_eq!((message.id.as_str(), message.text.as_str()), (id.as_str(), "this is terrible, I hate it"));
    }

    let (_, page) = poller.get(&format!("/rooms/lobby/messages?after={after}&changes={changes}")).await;
    assert!(page["messages"].as_array().unwrap().is_empty(), "no new message: {page}");
    assert_eq!(find(&page["changed"], &id).unwrap()["text"], "this is terrible, I hate it");
    assert!(page["changes"].as_u64().unwrap() > changes);
    let (_, rooms) = poller.get("/rooms").await;
    let lobby = rooms["rooms"].as_array().unwrap().iter().find(|r| r["id"] == "lobby").unwrap().clone();
    assert_eq!(lobby["unread"], unread_before, "an edit is never unread");
    assert_eq!(lobby["last_message"]["text"], "this is terrible, I hate it");
}

#[tokio::test]
async fn an_unsend_over_the_websocket_reaches_a_resuming_connection_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;
    let id = alice.say("lobby", "a-1", "my phone number is 010-1234-5678").await;
    let seen = bob.next_message().await;
    let (_, page) = Rest::new(&server, "bob").get("/rooms/lobby/messages").await;
    let changes = page["changes"].as_u64().unwrap();
    bob.close().await;

    alice.send(json!({"action": "unsendMessage", "room": "lobby", "message_id": id})).await;
    let event = alice.wait_for(|e| matches!(e, ServerEvent::MessageChanged { .. })).await;
    let ServerEvent::MessageChanged { message: unsent } = event else { unreachable!() };
    assert_eq!((unsent.text.as_str(), unsent.deleted_at.is_some()), ("", true));
    alice.send(json!({"action": "editMessage", "room": "lobby", "message_id": id, "text": "back?"})).await;
    assert_eq!(alice.expect_error().await.0, ErrorCode::Conflict, "an unsent message cannot be edited");

    // Bob comes back with where he was: the unsend is replayed, then joined.
    let mut bob = WsClient::connect(&server, "bob").await;
    bob.send(json!({"action": "join", "room": "lobby", "since": seen.seq, "changes": changes})).await;
    let event = bob.wait_for(|e| matches!(e, ServerEvent::MessageChanged { .. })).await;
    let ServerEvent::MessageChanged { message } = event else { unreachable!() };
    assert_eq!((message.id.as_str(), message.text.as_str(), message.deleted_at), (id.as_str(), "", unsent.deleted_at));
    let joined = bob.wait_for(|e| matches!(e, ServerEvent::Joined { .. })).await;
    assert_eq!(joined, ServerEvent::Joined { room: "lobby".into(), changes: unsent.change });

    server.stop();
    let server = TestServer::start(dir.path()).await;
    let (_, page) = Rest::new(&server, "bob").get("/rooms/lobby/messages").await;
    let stored = find(&page["messages"], &id).unwrap();
    assert_eq!((stored["text"].as_str(), stored["deleted_at"].is_i64()), (Some(""), true), "{stored}");
    let database = std::fs::read(dir.path().join("chat.sqlite3")).unwrap();
    assert!(!database.windows(13).any(|w| w == b"010-1234-5678"), "the text is gone from the file");
}

#[tokio::test]
async fn hostile_edits_and_unsends_get_the_documented_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let alice = Rest::new(&server, "alice");
    let bob = Rest::new(&server, "bob");
    bob.get("/rooms").await;
    let (_, sent) = alice.post("/rooms/lobby/messages", json!({"client_id": "a-1", "text": "original"})).await;
    let id = sent["id"].as_str().unwrap().to_string();
    let (_, dm) = alice.post("/dms", json!({"user": "bob"})).await;
    let dm = dm["id"].as_str().unwrap().to_string();
    let text = |t: &str| Some(json!({ "text": t }));

    assert_error(&bob.call(Method::PUT, &path("lobby", &id), text("hijacked")).await, 403, "forbidden");
    assert_error(&bob.call(Method::DELETE, &path("lobby", &id), None).await, 403, "forbidden");
    assert_error(&alice.call(Method::PUT, &path("lobby", &id), text("   ")).await, 400, "bad_request");
    assert_error(&alice.call(Method::PUT, &path("lobby", &id), Some(json!({"txt": "x"}))).await, 400, "bad_request");
    assert_error(&alice.call(Method::PUT, &path("lobby", &id), Some(json!({"text": 5}))).await, 400, "bad_request");
    assert_error(&alice.call(Method::PUT, &path("lobby", &id), text(&"가".repeat(4001))).await, 413, "too_large");
    assert_error(&alice.call(Method::PUT, &path("lobby", "not-an-id"), text("x")).await, 400, "bad_request");
    let unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    assert_error(&alice.call(Method::PUT, &path("lobby", unknown), text("x")).await, 404, "not_found");
    assert_error(&alice.call(Method::DELETE, &path("lobby", unknown), None).await, 404, "not_found");
    assert_error(&alice.call(Method::DELETE, &path(&dm, &id), None).await, 404, "not_found");
    assert_error(&alice.call(Method::DELETE, &path("nowhere", &id), None).await, 404, "not_found");
    let (_, page) = alice.get("/rooms/lobby/messages").await;
    let stored = find(&page["messages"], &id).unwrap();
    assert_eq!((stored["text"].as_str(), stored.get("edited_at")), (Some("original"), None), "nothing changed");
    assert_eq!(page["changes"], 0);

    // A flood is cut by the same per-user rate as sends.
    let mut limited = 0;
    for n in 0..40 {
        let (status, _) = alice.call(Method::PUT, &path("lobby", &id), text(&format!("v{n}"))).await;
        limited += u32::from(status == 429);
    }
    assert!(limited > 0, "40 edits at once go over the burst of 20");
}
