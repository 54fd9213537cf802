//! Inviting someone into a room, and muting one, over REST: the person invited hears of the
//! room on their open socket and finds it in their list; refusals get the
//! documented errors; invitations are limited per user.

mod chat_support;

use chat_support::*;
use moodchat_protocol::ServerEvent;
use serde_json::json;

#[tokio::test]
async fn an_invitation_reaches_the_person_live_and_refusals_are_documented() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let alice = Rest::new(&server, "alice");
    let eve = Rest::new(&server, "eve");
    let mut bob = WsClient::connect(&server, "bob").await;
    bob.join("lobby", None).await;
    eve.get("/rooms").await;
    let (_, club) = alice.post("/rooms", json!({"name": "club"})).await;
    let club = club["id"].as_str().unwrap().to_string();

    let (status, invited) = alice.post(&format!("/rooms/{club}/invite"), json!({"user": "bob"})).await;
    assert_eq!((status, &invited), (200, &json!({"sub": "sub-bob", "name": "bob"})));
    let added = bob.wait_for(|e| matches!(e, ServerEvent::RoomAdded { .. })).await;
    assert_eq!(added, ServerEvent::RoomAdded { room: club.clone() });
    let (_, rooms) = Rest::new(&server, "bob").get("/rooms").await;
    assert!(rooms["rooms"].as_array().unwrap().iter().any(|r| r["id"] == club && r["member"] == true), "{rooms}");

    let (_, dm) = alice.post("/dms", json!({"user": "bob"})).await;
    let dm = dm["id"].as_str().unwrap().to_string();
    assert_error(&alice.post("/rooms/lobby/invite", json!({"user": "eve"})).await, 400, "bad_request");
    assert_error(&alice.post(&format!("/rooms/{dm}/invite"), json!({"user": "eve"})).await, 400, "bad_request");
    assert_error(&alice.post(&format!("/rooms/{club}/invite"), json!({"user": "nobody"})).await, 404, "not_found");
    assert_error(&alice.post(&format!("/rooms/{club}/invite"), json!({"name": "eve"})).await, 400, "bad_request");
    assert_error(&eve.post(&format!("/rooms/{club}/invite"), json!({"user": "eve"})).await, 403, "forbidden");
    let (_, members) = alice.get(&format!("/rooms/{club}/members")).await;
    assert_eq!(members["members"].as_array().unwrap().len(), 2, "{members}");
}

#[tokio::test]
async fn invitations_are_limited_per_user() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let alice = Rest::new(&server, "alice");
    Rest::new(&server, "bob").get("/rooms").await;
    let (_, club) = alice.post("/rooms", json!({"name": "club"})).await;
    let path = format!("/rooms/{}/invite", club["id"].as_str().unwrap());
    for n in 0..60 {
        assert_eq!(alice.post(&path, json!({"user": "bob"})).await.0, 200, "invitation {n}");
    }
    assert_error(&alice.post(&path, json!({"user": "bob"})).await, 429, "rate_limited");
}

#[tokio::test]
async fn a_member_mutes_a_room_over_rest() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let alice = Rest::new(&server, "alice");
    let eve = Rest::new(&server, "eve");
    eve.get("/rooms").await;
    let (_, club) = alice.post("/rooms", json!({"name": "club"})).await;
    let club = club["id"].as_str().unwrap().to_string();
    let muted = |rooms: &serde_json::Value, id: &str| rooms["rooms"].as_array().unwrap().iter().find(|r| r["id"] == id).map(|r| r["muted"].clone());

    let (status, _) = alice.call(reqwest::Method::PUT, &format!("/rooms/{club}/mute"), Some(json!({"muted": true}))).await;
    assert_eq!(status, 204);
    let (_, rooms) = alice.get("/rooms").await;
    assert_eq!(muted(&rooms, &club), Some(json!(true)), "{rooms}");
    assert_eq!(muted(&rooms, "lobby"), Some(serde_json::Value::Null), "absent when not muted: {rooms}");

    let mute = |room: &str, body: serde_json::Value| (format!("/rooms/{room}/mute"), Some(body));
    let (path, body) = mute(&club, json!({"muted": true}));
    assert_error(&eve.call(reqwest::Method::PUT, &path, body).await, 403, "forbidden");
    let (path, body) = mute("nowhere", json!({"muted": true}));
    assert_error(&alice.call(reqwest::Method::PUT, &path, body).await, 404, "not_found");
    let (path, body) = mute(&club, json!({"muted": "yes"}));
    assert_error(&alice.call(reqwest::Method::PUT, &path, body).await, 400, "bad_request");
    let (path, body) = mute(&club, json!({"muted": false}));
    assert_eq!(alice.call(reqwest::Method::PUT, &path, body).await.0, 204);
    let (_, rooms) = alice.get("/rooms").await;
    assert_eq!(muted(&rooms, &club), Some(serde_json::Value::Null));
}
