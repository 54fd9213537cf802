//! Corrections by the author over real sockets and the real mood model: the
//! author sets the mood of their own message over REST or WebSocket, the
//! room hears it live, every read path returns it with the model's label
//! kept, `moodchat export-moods` writes it as TSV; and what others try
//! (someone else's message, bogus moods, unknown ids, floods) is refused
//! with the documented error.

mod chat_support;

use std::process::Command;
use std::sync::Arc;

use chat_support::*;
use moodchat_protocol::{ErrorCode, Mood, ServerEvent};
use moodchat_server::chat::ChatConfig;
use moodchat_server::mood::LocalSentiment;
use reqwest::Method;
use serde_json::json;

fn with_the_model() -> ChatConfig {
    ChatConfig { sentiment: Arc::new(LocalSentiment::embedded()), ..ChatConfig::default() }
}

fn mood_path(room: &str, id: &str) -> String {
    format!("/rooms/{room}/messages/{id}/mood")
}

#[tokio::test]
async fn the_author_corrects_over_rest_and_the_room_hears_it_live() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), with_the_model()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;
    let id = alice.say("lobby", "a-1", "내일 면접이라 너무 떨려서 잠이 안 와").await;
    let model_label = bob.next_message().await.sentiment.expect("the model labels every message").label;

    let rest = Rest::new(&server, "alice");
    let (status, message) = rest.call(Method::PUT, &mood_path("lobby", &id), Some(json!({"mood": "negative"}))).await;
    assert_eq!(status, 200, "{message}");
    assert_eq!(message["author_mood"]["label"], "negative");
    assert_eq!(message["sentiment"]["label"], model_label.as_str(), "the model's label stays beside it");

    for client in [&mut bob, &mut alice] {
        let event = client.wait_for(|e| matches!(e, ServerEvent::AuthorMood { .. })).await;
        let ServerEvent::AuthorMood { room, message_id, author_mood, .. } = event else { unreachable!() };
        assert_eq!((room.as_str(), message_id.as_str()), ("lobby", id.as_str()));
        assert_eq!(author_mood.map(|m| m.label), Some(Mood::Negative));
    }

    // History, polling and a reconnecting client's backfill return it.
    let (_, page) = Rest::new(&server, "bob").get("/rooms/lobby/messages").await;
    let shown = page["messages"].as_array().unwrap().iter().find(|m| m["id"] == id.as_str()).unwrap().clone();
    assert_eq!((shown["author_mood"]["label"].as_str(), shown["sentiment"]["label"].as_str()), (Some("negative"), Some(model_label.as_str())));
    let mut carol = WsClient::connect(&server, "carol").await;
    carol.send(json!({"action": "join", "room": "lobby", "since": 0})).await;
    let replayed = carol.wait_for(|e| matches!(e, ServerEvent::Message { message } if message.id == id)).await;
    let ServerEvent::Message { message } = replayed else { unreachable!() };
    assert_eq!(message.author_mood.map(|m| m.label), Some(Mood::Negative), "the backfill carries it");

    // DELETE goes back to the model's mood, for everyone.
    let (status, message) = rest.call(Method::DELETE, &mood_path("lobby", &id), None).await;
    assert_eq!(status, 200);
    assert!(message.get("author_mood").is_none(), "{message}");
    bob.wait_for(|e| matches!(e, ServerEvent::AuthorMood { author_mood: None, .. })).await;
}

#[tokio::test]
async fn the_author_corrects_over_the_websocket_and_others_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), with_the_model()).await;
    let (mut alice, mut bob) = alice_and_bob_in_the_lobby(&server).await;
    let id = alice.say("lobby", "a-1", "어제 먹은 파스타 진짜 맛있었어 또 가자").await;
    bob.next_message().await;

    bob.send(json!({"action": "setMood", "room": "lobby", "message_id": id, "mood": "negative"})).await;
    assert_eq!(bob.expect_error().await, (ErrorCode::Forbidden, None), "someone else's message");
    let hostile = [
        (json!({"action": "setMood", "room": "lobby", "message_id": id, "mood": "ecstatic"}), ErrorCode::BadRequest),
        (json!({"action": "setMood", "room": "lobby", "message_id": id, "mood": 3}), ErrorCode::BadRequest),
        (json!({"action": "setMood", "room": "lobby", "mood": "positive"}), ErrorCode::BadRequest),
        (json!({"action": "setMood", "room": "lobby", "message_id": "../../etc", "mood": "positive"}), ErrorCode::BadRequest),
        (json!({"action": "setMood", "room": "lobby", "message_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "mood": "positive"}), ErrorCode::NotFound),
        (json!({"action": "setMood", "room": "nowhere", "message_id": id, "mood": "positive"}), ErrorCode::NotFound),
    ];
    for (frame, code) in hostile {
        alice.send(frame.clone()).await;
        assert_eq!(alice.expect_error().await.0, code, "{frame}");
    }

    alice.send(json!({"action": "setMood", "room": "lobby", "message_id": id, "mood": "positive"})).await;
    let event = bob.wait_for(|e| matches!(e, ServerEvent::AuthorMood { .. })).await;
    assert!(matches!(event, ServerEvent::AuthorMood { author_mood: Some(m), .. } if m.label == Mood::Positive));
    let (_, page) = Rest::new(&server, "bob").get("/rooms/lobby/messages").await;
    assert_eq!(page["messages"][0]["author_mood"]["label"], "positive", "nothing the refused frames did stuck");
}

#[tokio::test]
async fn hostile_rest_calls_get_the_documented_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), with_the_model()).await;
    let alice = Rest::new(&server, "alice");
    let bob = Rest::new(&server, "bob");
    bob.get("/rooms").await;
    let (_, sent) = alice.post("/rooms/lobby/messages", json!({"client_id": "a-1", "text": "hello"})).await;
    let id = sent["id"].as_str().unwrap().to_string();
    let (_, dm) = alice.post("/dms", json!({"user": "bob"})).await;
    let dm = dm["id"].as_str().unwrap().to_string();

    let set = |mood: serde_json::Value| Some(json!({ "mood": mood }));
    assert_error(&bob.call(Method::PUT, &mood_path("lobby", &id), set(json!("negative"))).await, 403, "forbidden");
    assert_error(&bob.call(Method::DELETE, &mood_path("lobby", &id), None).await, 403, "forbidden");
    assert_error(&alice.call(Method::PUT, &mood_path("lobby", &id), set(json!("furious"))).await, 400, "bad_request");
    assert_error(&alice.call(Method::PUT, &mood_path("lobby", "not-an-id"), set(json!("positive"))).await, 400, "bad_request");
    let unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    assert_error(&alice.call(Method::PUT, &mood_path("lobby", unknown), set(json!("positive"))).await, 404, "not_found");
    assert_error(&alice.call(Method::PUT, &mood_path(&dm, &id), set(json!("positive"))).await, 404, "not_found");
    let (_, page) = alice.get("/rooms/lobby/messages").await;
    assert!(page["messages"][0].get("author_mood").is_none(), "no refused call changed anything");

    // A flood is cut by the same per-user rate as sends.
    let mut limited = 0;
    for _ in 0..40 {
        let (status, _) = alice.call(Method::PUT, &mood_path("lobby", &id), set(json!("positive"))).await;
        limited += u32::from(status == 429);
    }
    assert!(limited > 0, "40 changes at once go over the burst of 20");
}

#[tokio::test]
async fn a_websocket_flood_of_corrections_hits_the_connections_rate_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut alice = WsClient::connect(&server, "alice").await;
    alice.join("lobby", None).await;
    let id = alice.say("lobby", "a-1", "flood me").await;
    for i in 0..40 {
        let mood = Mood::ALL[i % 3].as_str();
        alice.send(json!({"action": "setMood", "room": "lobby", "message_id": id, "mood": mood})).await;
    }
    let (mut heard, mut limited) = (0, 0);
    while heard + limited < 40 {
        match alice.wait_for(|e| matches!(e, ServerEvent::AuthorMood { .. } | ServerEvent::Error { .. })).await {
            ServerEvent::AuthorMood { .. } => heard += 1,
            ServerEvent::Error { code: ErrorCode::RateLimited, .. } => limited += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(limited > 0 && heard >= 10, "{heard} applied, {limited} refused");
}

#[tokio::test]
async fn export_moods_writes_the_corrections_as_tsv_without_names() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), with_the_model()).await;
    let alice = Rest::new(&server, "alice");
    let texts = ["도와줘서 진짜 고마워 덕분에 살았다", "deploy is done\tfinally", "그렇게 말하니까 좀 섭섭하네"];
    let mut ids = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let (_, sent) = alice.post("/rooms/lobby/messages", json!({"client_id": format!("k{i}"), "text": text})).await;
        ids.push(sent["id"].as_str().unwrap().to_string());
    }
    for (id, mood) in [(&ids[0], "positive"), (&ids[2], "negative")] {
        let (status, _) = alice.call(Method::PUT, &mood_path("lobby", id), Some(json!({ "mood": mood }))).await;
        assert_eq!(status, 200);
    }

    // While the server runs, from the real binary, to stdout and to a file.
    let binary = env!("CARGO_BIN_EXE_moodchat");
    let output = Command::new(binary).args(["export-moods", "--data-dir"]).arg(dir.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let tsv = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<Vec<&str>> = tsv.lines().map(|line| line.split('\t').collect()).collect();
    assert_eq!(lines[0], ["text", "language", "model_label", "author_label", "labelled_at"]);
    assert_eq!(lines.len(), 3, "{tsv}");
    assert_eq!(lines[1][..2], [texts[0], "ko"]);
    assert_eq!(lines[1][3], "positive");
    assert_eq!(lines[2][..2], [texts[2], "ko"]);
    assert_eq!(lines[2][3], "negative");
    for line in &lines[1..] {
        assert!(["positive", "neutral", "negative"].contains(&line[2]), "the model's label: {line:?}");
    }
    assert!(!tsv.contains("alice") && !tsv.contains("sub-"), "no user ids or names");

    let file = dir.path().join("moods.tsv");
    let status = Command::new(binary).args(["export-moods", "--data-dir"]).arg(dir.path()).arg("--output").arg(&file).status().unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), tsv);

    // A wrong data directory is a clear error, and creates nothing.
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(binary).args(["export-moods", "--data-dir"]).arg(empty.path()).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no database"), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}
