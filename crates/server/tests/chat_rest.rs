//! The REST API over real sockets: rooms, history paging and polling,
//! idempotent polling-mode sends, reads and unread counts, members, users,
//! direct conversations, and JSON errors for every rejection.

mod chat_support;

use chat_support::*;
use serde_json::{json, Value};

fn ids(page: &Value) -> Vec<String> {
    page["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn two_users_chat_in_a_new_room_over_rest() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (alice, bob) = (Rest::new(&server, "alice"), Rest::new(&server, "bob"));

    let (status, room) = alice.post("/rooms", json!({"name": "  rustaceans "})).await;
    assert_eq!(status, 201, "{room}");
    assert_eq!((room["name"].as_str(), room["kind"].as_str()), (Some("rustaceans"), Some("public")));
    let room_id = room["id"].as_str().unwrap();

    let (status, refused) = bob.post(&format!("/rooms/{room_id}/messages"), json!({"client_id": "b0", "text": "hi"})).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("forbidden")), "join first");
    let (status, discovered) = bob.get("/rooms?discover=true").await;
    assert_eq!(status, 200);
    assert!(discovered["rooms"].as_array().unwrap().iter().any(|r| r["id"] == room_id && r["member"] == false));
    assert_eq!(bob.post(&format!("/rooms/{room_id}/join"), json!({})).await.0, 200);

    let (status, sent) = alice.post(&format!("/rooms/{room_id}/messages"), json!({"client_id": "a1", "text": "hello"})).await;
    assert_eq!(status, 201, "{sent}");
    let (status, reply) = bob.post(&format!("/rooms/{room_id}/messages"), json!({"client_id": "b1", "text": "hey"})).await;
    assert_eq!(status, 201);

    let (status, page) = bob.get(&format!("/rooms/{room_id}/messages")).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&page), vec![reply["id"].as_str().unwrap(), sent["id"].as_str().unwrap()], "newest first");
    assert_eq!(page["messages"][1]["sender"]["name"], "alice");
    assert_eq!(page["before"], Value::Null, "nothing older");

    let (_, rooms) = alice.get("/rooms").await;
    let summary = rooms["rooms"].as_array().unwrap().iter().find(|r| r["id"] == room_id).unwrap().clone();
    assert_eq!(summary["unread"], 1, "bob's reply");
    assert_eq!((summary["last_read_seq"].as_u64(), sent["seq"].as_u64(), reply["seq"].as_u64()), (Some(1), Some(1), Some(2)));
    assert_eq!(summary["last_message"]["text"], "hey");
    assert_eq!(rooms["rooms"][0]["id"], room_id, "most recent activity first");
    let (status, _) = alice.post(&format!("/rooms/{room_id}/read"), json!({"message_id": reply["id"]})).await;
    assert_eq!(status, 204);
    let (_, rooms) = alice.get("/rooms").await;
    let summary = rooms["rooms"].as_array().unwrap().iter().find(|r| r["id"] == room_id).unwrap().clone();
    assert_eq!((summary["unread"].as_u64(), summary["last_read_seq"].as_u64()), (Some(0), Some(2)));
    // Clients from before seqs poll with a message id: it means its seq.
    let (status, poll) = bob.get(&format!("/rooms/{room_id}/messages?after={}", sent["id"].as_str().unwrap())).await;
    assert_eq!((status, ids(&poll)), (200, vec![reply["id"].as_str().unwrap().to_owned()]));
    let (status, missing) = bob.get(&format!("/rooms/{room_id}/messages?after=01ARZ3NDEKTSV4RRFFQ69G5FAV")).await;
    assert_eq!((status, missing["code"].as_str()), (404, Some("not_found")), "not a message of this room");

    let (status, members) = alice.get(&format!("/rooms/{room_id}/members")).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = members["members"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["alice", "bob"]);
    assert!(members["members"].as_array().unwrap().iter().all(|m| m["online"] == false), "nobody on a WebSocket");
}

#[tokio::test]
async fn history_pages_back_with_cursors_and_polling_returns_only_new_messages() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let alice = Rest::new(&server, "alice");
    let mut sent = Vec::new();
    for i in 0..12 {
        let (status, message) = alice.post("/rooms/lobby/messages", json!({"client_id": format!("k{i}"), "text": format!("m{i}")})).await;
        assert_eq!(status, 201, "{message}");
        sent.push(message["id"].as_str().unwrap().to_string());
    }
    let newest_first: Vec<String> = sent.iter().rev().cloned().collect();
    let (_, first) = alice.get("/rooms/lobby/messages?limit=5").await;
    assert_eq!(ids(&first), newest_first[0..5]);
    // New messages while paging back do not disturb the older pages.
    let (_, late) = alice.post("/rooms/lobby/messages", json!({"client_id": "late", "text": "late"})).await;
    let cursor = first["before"].as_str().unwrap();
    let (_, second) = alice.get(&format!("/rooms/lobby/messages?limit=5&before={cursor}")).await;
    assert_eq!(ids(&second), newest_first[5..10]);
    let cursor = second["before"].as_str().unwrap();
    let (_, third) = alice.get(&format!("/rooms/lobby/messages?limit=5&before={cursor}")).await;
    assert_eq!(ids(&third), newest_first[10..12]);
    assert_eq!(third["before"], Value::Null);

    let after = first["after"].as_str().unwrap();
    let (status, poll) = alice.get(&format!("/rooms/lobby/messages?after={after}")).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&poll), vec![late["id"].as_str().unwrap().to_string()]);
    let after = poll["after"].as_str().unwrap();
    let (_, empty) = alice.get(&format!("/rooms/lobby/messages?after={after}")).await;
    assert_eq!(ids(&empty), Vec::<String>::new());
    assert_eq!(empty["after"], after, "an empty poll keeps the cursor");
}

#[tokio::test]
async fn a_polling_send_retried_with_the_same_client_id_returns_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let alice = Rest::new(&server, "alice");
    let body = json!({"client_id": "retry-me", "text": "once"});
    let (first_status, first) = alice.post("/rooms/lobby/messages", body.clone()).await;
    let (second_status, second) = alice.post("/rooms/lobby/messages", body).await;
    assert_eq!((first_status, second_status), (201, 200));
    assert_eq!(first, second);
    let (_, page) = alice.get("/rooms/lobby/messages").await;
    assert_eq!(ids(&page), vec![first["id"].as_str().unwrap().to_string()]);
}

#[tokio::test]
async fn direct_conversations_are_found_or_created_once_per_pair_and_private() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (alice, bob, eve) = (Rest::new(&server, "alice"), Rest::new(&server, "bob"), Rest::new(&server, "eve"));
    for user in [&alice, &bob, &eve] {
        user.get("/rooms").await;
    }
    let (status, users) = alice.get("/users?query=b").await;
    assert_eq!(status, 200);
    assert_eq!(users["users"], json!([{"sub": "sub-bob", "name": "bob"}]));

    let (_, from_alice) = alice.post("/dms", json!({"user": "bob"})).await;
    let (_, from_bob) = bob.post("/dms", json!({"user": "sub-alice"})).await;
    assert_eq!(from_alice["id"], from_bob["id"], "one conversation per pair");
    assert_eq!((from_alice["kind"].as_str(), from_alice["name"].as_str()), (Some("direct"), Some("bob")));
    let room_id = from_alice["id"].as_str().unwrap();
    let (status, _) = alice.post(&format!("/rooms/{room_id}/messages"), json!({"client_id": "p", "text": "psst"})).await;
    assert_eq!(status, 201);
    let (_, bobs_rooms) = bob.get("/rooms").await;
    let dm = bobs_rooms["rooms"].as_array().unwrap().iter().find(|r| r["id"] == room_id).unwrap().clone();
    assert_eq!((dm["name"].as_str(), dm["peer"]["sub"].as_str(), dm["unread"].as_u64()), (Some("alice"), Some("sub-alice"), Some(1)));

    for path in [format!("/rooms/{room_id}/messages"), format!("/rooms/{room_id}/members")] {
        assert_error(&eve.get(&path).await, 403, "forbidden");
    }
    assert_error(&eve.post(&format!("/rooms/{room_id}/join"), json!({})).await, 403, "forbidden");
    assert_error(&eve.post(&format!("/rooms/{room_id}/messages"), json!({"client_id": "e", "text": "hi"})).await, 403, "forbidden");
    let (_, eves_rooms) = eve.get("/rooms?discover=true").await;
    assert!(eves_rooms["rooms"].as_array().unwrap().iter().all(|r| r["id"] != room_id), "not discoverable");
    assert_error(&alice.post("/dms", json!({"user": "alice"})).await, 400, "bad_request");
    assert_error(&alice.post("/dms", json!({"user": "nobody"})).await, 404, "not_found");
}

#[tokio::test]
async fn every_rejection_is_a_json_error_with_the_documented_status() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let alice = Rest::new(&server, "alice");
    let http = reqwest::Client::new();
    let auth = token("alice");

    let raw = |body: &'static str, content_type: &'static str| {
        http.post(server.url("/api/rooms/lobby/messages"))
            .header("Authorization", &auth)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    assert_error(&read(raw("{not json", "application/json").await.unwrap()).await, 400, "bad_request");
    assert_error(&read(raw(r#"{"client_id": 5}"#, "application/json").await.unwrap()).await, 400, "bad_request");
    assert_error(&read(raw(r#"{"client_id":"x","text":"hi"}"#, "text/plain").await.unwrap()).await, 415, "unsupported_media_type");
    let huge = http
        .post(server.url("/api/rooms/lobby/messages"))
        .header("Authorization", &auth)
        .json(&json!({"client_id": "big", "text": "x".repeat(200 * 1024)}))
        .send()
        .await
        .unwrap();
    assert_error(&read(huge).await, 413, "too_large");

    assert_error(&alice.post("/rooms/lobby/messages", json!({"client_id": "t", "text": "x".repeat(4001)})).await, 413, "too_large");
    assert_error(&alice.post("/rooms/lobby/messages", json!({"client_id": "t", "text": " "})).await, 400, "bad_request");
    assert_error(&alice.post("/rooms/nowhere/messages", json!({"client_id": "t", "text": "hi"})).await, 404, "not_found");
    assert_error(&alice.get("/rooms/nowhere/messages").await, 404, "not_found");
    assert_error(&alice.get("/rooms/lobby/messages?limit=0").await, 400, "bad_request");
    assert_error(&alice.get("/rooms/lobby/messages?limit=lots").await, 400, "bad_request");
    assert_error(&alice.get("/rooms/lobby/messages?before=%%%").await, 400, "bad_request");
    assert_error(&alice.post("/rooms", json!({"name": ""})).await, 400, "bad_request");
    assert_error(&alice.post("/rooms", json!({})).await, 400, "bad_request");
    assert_error(&alice.post("/rooms/lobby/read", json!({"message_id": "nope"})).await, 400, "bad_request");
    assert_error(&alice.get("/no/such/endpoint").await, 404, "not_found");
}

#[tokio::test]
async fn rest_sends_over_the_rate_limit_are_refused_with_429() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let alice = Rest::new(&server, "alice");
    let mut statuses = Vec::new();
    for i in 0..40 {
        statuses.push(alice.post("/rooms/lobby/messages", json!({"client_id": format!("r{i}"), "text": "spam"})).await.0);
    }
    assert!(statuses.iter().filter(|s| **s == 201).count() >= 20, "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
}

/// The app names its pending messages by moodchat_protocol::names::display_name;
/// the confirmed copy must carry the same name, also for an account without one.
#[tokio::test]
async fn a_sender_without_a_name_is_shown_by_email_as_the_app_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut claims = id_claims("nameless");
    claims.as_object_mut().unwrap().remove("name");
    let nameless = Rest::with_token(&server, sign(&claims, SIGNING_KEY, KID));
    let (status, sent) = nameless.post("/rooms/lobby/messages", json!({"client_id": "n1", "text": "hi"})).await;
    assert_eq!(status, 201, "{sent}");
    let pending_name = moodchat_protocol::names::display_name(None, Some("nameless@example.com"), Some("nameless"), "sub-nameless");
    assert_eq!((sent["sender"]["name"].as_str(), pending_name), (Some("nameless@example.com"), "nameless@example.com"));
}
