//! Reactions over real sockets: a member sets an emoji on or off over REST
//! or WebSocket, the room hears it live, a poller and a resuming connection
//! get it with the changes (never as unread), it survives a restart, a
//! repeated request changes nothing; and every refusal gets the documented
//! error (REST status and body, WebSocket error frame), changing nothing.

mod chat_support;

use chat_support::*;
use moodchat_protocol::limits::REACTION_EMOJI;
use moodchat_protocol::{ErrorCode, Message, ServerEvent};
use reqwest::Method;
use serde_json::{json, Value};

const THUMBS: &str = REACTION_EMOJI[0];
const HEART: &str = REACTION_EMOJI[1];

fn path(room: &str, id: &str) -> String {
    format!("/rooms/{room}/messages/{id}/reactions")
}

fn find<'a>(messages: &'a Value, id: &str) -> Option<&'a Value> {
    messages.as_array().unwrap().iter().find(|m| m["id"] == id)
}

fn names(message: &Message) -> Vec<(&str, Vec<&str>)> {
    message.reactions.iter().map(|r| (r.emoji.as_str(), r.users.iter().map(|u| u.name.as_str()).collect())).collect()
}

async fn changed(client: &mut WsClient) -> Message {
    match client.wait_for(|e| matches!(e, ServerEvent::MessageChanged { .. })).await {
        ServerEvent::MessageChanged { message } => message,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_reaction_over_rest_is_live_idempotent_and_reaches_a_poller() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;
    let id = alice.say("lobby", "a-1", "lunch at noon?").await;
    bob.next_message().await;
    let poller = Rest::new(&server, "alice");
    let (_, first) = poller.get("/rooms/lobby/messages").await;
    let (after, changes) = (first["after"].as_str().unwrap().to_string(), first["changes"].as_u64().unwrap());
    let (_, rooms) = poller.get("/rooms").await;
    let unread_before = rooms["rooms"].as_array().unwrap().iter().find(|r| r["id"] == "lobby").unwrap()["unread"].clone();

    let rest = Rest::new(&server, "bob");
    let on = Some(json!({"emoji": THUMBS, "on": true}));
    let (status, reacted) = rest.call(Method::PUT, &path("lobby", &id), on.clone()).await;
    assert_eq!(status, 200, "{reacted}");
    assert_eq!(reacted["reactions"], json!([{"emoji": THUMBS, "users": [{"sub": "sub-bob", "name": "bob"}]}]), "{reacted}");
    for client in [&mut alice, &mut bob] {
        let message = changed(client).await;
        assert_eq!((message.id.as_str(), names(&message)), (id.as_str(), vec![(THUMBS, vec!["bob"])]));
    }
    // A double submit: the same answer, no new change.
    let (status, again) = rest.call(Method::PUT, &path("lobby", &id), on).await;
    assert_eq!((status, &again), (200, &reacted));

    let (_, page) = poller.get(&format!("/rooms/lobby/messages?after={after}&changes={changes}")).await;
    assert!(page["messages"].as_array().unwrap().is_empty(), "no new message: {page}");
    assert_eq!(find(&page["changed"], &id).unwrap()["reactions"], reacted["reactions"]);
    assert_eq!(page["changes"].as_u64().unwrap(), changes + 1, "one change for two requests");
    let (_, rooms) = poller.get("/rooms").await;
    let lobby = rooms["rooms"].as_array().unwrap().iter().find(|r| r["id"] == "lobby").unwrap().clone();
    assert_eq!(lobby["unread"], unread_before, "a reaction is never unread");

    // Off again over REST.
    let (status, off) = rest.call(Method::PUT, &path("lobby", &id), Some(json!({"emoji": THUMBS, "on": false}))).await;
    assert_eq!((status, off.get("reactions")), (200, None), "{off}");
    assert!(changed(&mut alice).await.reactions.is_empty());
}

#[tokio::test]
async fn a_reaction_over_the_websocket_reaches_a_resuming_connection_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;
    let id = alice.say("lobby", "a-1", "we won!").await;
    let seen = bob.next_message().await;
    let (_, page) = Rest::new(&server, "bob").get("/rooms/lobby/messages").await;
    let changes = page["changes"].as_u64().unwrap();
    bob.close().await;

    alice.send(json!({"action": "react", "room": "lobby", "message_id": id, "emoji": HEART, "on": true})).await;
    let reacted = changed(&mut alice).await;
    assert_eq!(names(&reacted), [(HEART, vec!["alice"])]);
    // The same frame again changes nothing: the next thing Alice hears is her pong.
    alice.send(json!({"action": "react", "room": "lobby", "message_id": id, "emoji": HEART, "on": true})).await;
    alice.send(json!({"action": "ping"})).await;
    let next = alice.wait_for(|e| matches!(e, ServerEvent::Pong | ServerEvent::MessageChanged { .. } | ServerEvent::Error { .. })).await;
    assert_eq!(next, ServerEvent::Pong);

    let mut bob = WsClient::connect(&server, "bob").await;
    bob.send(json!({"action": "join", "room": "lobby", "since": seen.seq, "changes": changes})).await;
    assert_eq!(changed(&mut bob).await, reacted);
    let joined = bob.wait_for(|e| matches!(e, ServerEvent::Joined { .. })).await;
    assert_eq!(joined, ServerEvent::Joined { room: "lobby".into(), changes: reacted.change });
    bob.send(json!({"action": "react", "room": "lobby", "message_id": id, "emoji": HEART, "on": true})).await;
    assert_eq!(names(&changed(&mut alice).await), [(HEART, vec!["alice", "bob"])]);

    server.stop();
    let server = TestServer::start(dir.path()).await;
    let (_, page) = Rest::new(&server, "bob").get("/rooms/lobby/messages").await;
    let stored = find(&page["messages"], &id).unwrap();
    assert_eq!(stored["reactions"][0]["users"].as_array().unwrap().len(), 2, "{stored}");
}

#[tokio::test]
async fn refused_reactions_get_the_documented_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let alice = Rest::new(&server, "alice");
    let bob = Rest::new(&server, "bob");
    let eve = Rest::new(&server, "eve");
    bob.get("/rooms").await;
    eve.get("/rooms").await;
    let (_, sent) = alice.post("/rooms/lobby/messages", json!({"client_id": "a-1", "text": "original"})).await;
    let id = sent["id"].as_str().unwrap().to_string();
    let (_, gone) = alice.post("/rooms/lobby/messages", json!({"client_id": "a-2", "text": "gone"})).await;
    let gone = gone["id"].as_str().unwrap().to_string();
    assert_eq!(alice.call(Method::DELETE, &format!("/rooms/lobby/messages/{gone}"), None).await.0, 200);
    let (_, dm) = alice.post("/dms", json!({"user": "bob"})).await;
    let dm = dm["id"].as_str().unwrap().to_string();
    let (_, in_dm) = alice.post(&format!("/rooms/{dm}/messages"), json!({"client_id": "d", "text": "psst"})).await;
    let in_dm = in_dm["id"].as_str().unwrap().to_string();
    let (status, club) = alice.post("/rooms", json!({"name": "club"})).await;
    assert_eq!(status, 201, "{club}");
    let club = club["id"].as_str().unwrap().to_string();
    let (_, in_club) = alice.post(&format!("/rooms/{club}/messages"), json!({"client_id": "c", "text": "hi"})).await;
    let in_club = in_club["id"].as_str().unwrap().to_string();
    let (_, before) = alice.get("/rooms/lobby/messages").await;
    let react = |emoji: &str| Some(json!({ "emoji": emoji, "on": true }));

    for emoji in ["", "x", "\u{2764}", "👎"] {
        assert_error(&bob.call(Method::PUT, &path("lobby", &id), react(emoji)).await, 400, "bad_request");
    }
    assert_error(&bob.call(Method::PUT, &path("lobby", &id), Some(json!({"emoji": THUMBS}))).await, 400, "bad_request");
    assert_error(&bob.call(Method::PUT, &path("lobby", &id), Some(json!({"emoji": THUMBS, "on": "yes"}))).await, 400, "bad_request");
    assert_error(&bob.call(Method::PUT, &path("lobby", "not-an-id"), react(THUMBS)).await, 400, "bad_request");
    let unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    assert_error(&bob.call(Method::PUT, &path("lobby", unknown), react(THUMBS)).await, 404, "not_found");
    assert_error(&bob.call(Method::PUT, &path("nowhere", &id), react(THUMBS)).await, 404, "not_found");
    assert_error(&bob.call(Method::PUT, &path(&dm, &id), react(THUMBS)).await, 404, "not_found");
    assert_error(&bob.call(Method::PUT, &path("lobby", &gone), react(THUMBS)).await, 409, "conflict");
    assert_error(&eve.call(Method::PUT, &path(&dm, &in_dm), react(THUMBS)).await, 403, "forbidden");
    assert_error(&eve.call(Method::PUT, &path(&club, &in_club), react(THUMBS)).await, 403, "forbidden");
    assert_eq!(bob.call(Method::DELETE, &path("lobby", &id), None).await.0, 405, "off is `on: false`, not DELETE");

    // The same refusals over the WebSocket are error frames; the connection stays.
    let mut ws = WsClient::connect(&server, "eve").await;
    let frames = [
        (json!({"action": "react", "room": "lobby", "message_id": id, "emoji": "👎", "on": true}), ErrorCode::BadRequest),
        (json!({"action": "react", "room": "lobby", "message_id": id, "emoji": THUMBS}), ErrorCode::BadRequest),
        (json!({"action": "react", "room": "lobby", "message_id": unknown, "emoji": THUMBS, "on": true}), ErrorCode::NotFound),
        (json!({"action": "react", "room": "lobby", "message_id": gone, "emoji": THUMBS, "on": true}), ErrorCode::Conflict),
        (json!({"action": "react", "room": dm, "message_id": in_dm, "emoji": THUMBS, "on": true}), ErrorCode::Forbidden),
        (json!({"action": "react", "room": club, "message_id": in_club, "emoji": THUMBS, "on": true}), ErrorCode::Forbidden),
    ];
    for (frame, code) in frames {
        ws.send(frame.clone()).await;
        assert_eq!(ws.expect_error().await.0, code, "{frame}");
    }
    ws.assert_alive().await;

    let (_, after) = alice.get("/rooms/lobby/messages").await;
    assert_eq!(after, before, "nothing changed");
    let (_, club_page) = alice.get(&format!("/rooms/{club}/messages")).await;
    assert!(find(&club_page["messages"], &in_club).unwrap().get("reactions").is_none());

    // A flood is cut by the same per-user rate as sends.
    let mut limited = 0;
    for n in 0..40 {
        let (status, _) = bob.call(Method::PUT, &path("lobby", &id), Some(json!({"emoji": THUMBS, "on": n % 2 == 0}))).await;
        limited += u32::from(status == 429);
    }
    assert!(limited > 0, "40 reactions at once go over the burst of 20");
}
