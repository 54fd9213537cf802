//! Search and the mood of a room over real HTTP on the SQLite store: Korean
//! words inside longer ones, English in any case, pages, a message far
//! back shown in its history; what an attacker tries (rooms they are not
//! in, bad queries, floods) is refused with the documented error.

mod chat_support;

use std::sync::Arc;

use chat_support::*;
use moodchat_server::chat::ChatConfig;
use moodchat_server::mood::LocalSentiment;
use serde_json::{json, Value};

/// `/search?...` with its parameters encoded.
fn search_path(params: &[(&str, &str)]) -> String {
    let url = reqwest::Url::parse_with_params("http://x/search", params).unwrap();
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

async fn say(rest: &Rest, room: &str, client_id: &str, text: &str) -> String {
    let (status, message) = rest.post(&format!("/rooms/{room}/messages"), json!({"client_id": client_id, "text": text})).await;
    assert_eq!(status, 201, "{message}");
    message["id"].as_str().unwrap().to_string()
}

fn texts(results: &Value) -> Vec<String> {
    results["hits"].as_array().unwrap().iter().map(|hit| hit["message"]["text"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn korean_inside_words_and_english_in_any_case_are_found_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (alice, bob) = (Rest::new(&server, "alice"), Rest::new(&server, "bob"));
    bob.get("/rooms").await;
    say(&alice, "lobby", "1", "내일 회의실 예약했어요").await;
    say(&bob, "lobby", "2", "점심은 회의 끝나고 먹자").await;
    say(&alice, "lobby", "3", "The Meeting moved to 3pm").await;
    say(&bob, "lobby", "4", "주간회의록 올렸습니다").await;

    // Two characters (no trigram: the LIKE path) and three (the index).
    let (status, two) = alice.get(&search_path(&[("q", "회의")])).await;
    assert_eq!(status, 200, "{two}");
    assert_eq!(texts(&two), ["주간회의록 올렸습니다", "점심은 회의 끝나고 먹자", "내일 회의실 예약했어요"]);
    assert_eq!(two["hits"][0]["room_name"], "Lobby");
    let (_, three) = alice.get(&search_path(&[("q", "회의실")])).await;
    assert_eq!(texts(&three), ["내일 회의실 예약했어요"]);
    let (_, both) = alice.get(&search_path(&[("q", "회의 점심")])).await;
    assert_eq!(texts(&both), ["점심은 회의 끝나고 먹자"], "every word, in any order");
    let (_, english) = alice.get(&search_path(&[("q", "MEETING")])).await;
    assert_eq!(texts(&english), ["The Meeting moved to 3pm"]);
    let (_, pm) = alice.get(&search_path(&[("q", "3P")])).await;
    assert_eq!(texts(&pm), ["The Meeting moved to 3pm"], "short words ignore case too");
    let (_, wildcards) = alice.get(&search_path(&[("q", "%")])).await;
    assert!(texts(&wildcards).is_empty(), "LIKE wildcards are plain characters: {wildcards}");

    // Pages of one, by cursor, to the oldest.
    let mut seen = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut params = vec![("q", "회의"), ("limit", "1")];
        if let Some(cursor) = &before {
            params.push(("before", cursor.as_str()));
        }
        let (status, page) = alice.get(&search_path(&params)).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(texts(&page));
        match page["before"].as_str() {
            Some(cursor) => before = Some(cursor.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, texts(&two));
}

#[tokio::test]
async fn an_attacker_finds_nothing_of_rooms_they_are_not_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let (alice, bob, mallory) = (Rest::new(&server, "alice"), Rest::new(&server, "bob"), Rest::new(&server, "mallory"));
    bob.get("/rooms").await;
    mallory.get("/rooms").await;
    let (_, room) = alice.post("/rooms", json!({"name": "기획팀"})).await;
    let room = room["id"].as_str().unwrap().to_string();
    say(&alice, &room, "1", "비밀 회의실 비밀번호는 1234").await;
    let (_, dm) = alice.post("/dms", json!({"user": "bob"})).await;
    let dm = dm["id"].as_str().unwrap().to_string();
    say(&bob, &dm, "2", "회의실 비밀번호 알려줘").await;

    for q in ["회의", "회의실", "비밀번호", "1234"] {
        let (status, found) = mallory.get(&search_path(&[("q", q)])).await;
        assert_eq!((status, texts(&found).len()), (200, 0), "{q}: {found}");
    }
    for target in [&room, &dm] {
        let answer = mallory.get(&search_path(&[("q", "회의실"), ("room", target)])).await;
        assert_error(&answer, 403, "forbidden");
    }
    assert_error(&mallory.get(&search_path(&[("q", "회의실"), ("room", "no-such-room")])).await, 404, "not_found");
    // A public room is searched by its members only: bob never joined it.
    let (_, bobs) = bob.get(&search_path(&[("q", "회의실")])).await;
    assert_eq!(texts(&bobs), ["회의실 비밀번호 알려줘"]);
    let (_, bob_dm) = bob.get(&search_path(&[("q", "비밀번호"), ("room", &dm)])).await;
    assert_eq!(bob_dm["hits"][0]["room_name"], "alice", "a direct room is named after the other person");
}

#[tokio::test]
async fn bad_queries_get_clear_errors_and_floods_are_slowed() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let alice = Rest::new(&server, "alice");
    let long = "회".repeat(101);
    type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);
    let cases: [Case; 6] = [
        (&[("q", "   ")], 400, "bad_request"),
        (&[], 400, "bad_request"),
        (&[("q", long.as_str())], 413, "too_large"),
        (&[("q", "회의"), ("before", "not-a-cursor")], 400, "bad_request"),
        (&[("q", "회의"), ("limit", "0")], 400, "bad_request"),
        (&[("q", "회의"), ("limit", "many")], 400, "bad_request"),
    ];
    for (params, status, code) in cases {
        assert_error(&alice.get(&search_path(params)).await, status, code);
    }
    let unauthenticated = reqwest::get(server.url(&format!("/api{}", search_path(&[("q", "회의")])))).await.unwrap();
    assert_eq!(unauthenticated.status(), 401);

    let mut limited = 0;
    for _ in 0..40 {
        let (status, _) = alice.get(&search_path(&[("q", "회의")])).await;
        limited += usize::from(status == 429);
    }
    assert!(limited > 0, "40 searches at once are slowed down");
}

#[tokio::test]
async fn a_message_far_back_is_shown_in_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir.path(), ChatConfig { rest_sends: moodchat_core::rate_limit::RateLimits::burst_then(1000, 1000), ..ChatConfig::default() }).await;
    let alice = Rest::new(&server, "alice");
    let mut target = String::new();
    for n in 1..=400 {
        let text = if n == 37 { "옛날 회의실 얘기".to_string() } else { format!("메시지 {n}") };
        let id = say(&alice, "lobby", &format!("c{n}"), &text).await;
        if n == 37 {
            target = id;
        }
    }
    let (_, found) = alice.get(&search_path(&[("q", "회의실")])).await;
    assert_eq!(found["hits"][0]["message"]["id"], target.as_str());
    let (status, page) = alice.get(&format!("/rooms/lobby/messages?around={target}&limit=20")).await;
    assert_eq!(status, 200, "{page}");
    let seqs: Vec<u64> = page["messages"].as_array().unwrap().iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (27..=46).rev().collect::<Vec<u64>>(), "seq 37 with older and newer messages around it");
    let (_, older) = alice.get(&format!("/rooms/lobby/messages?before={}&limit=3", page["before"].as_str().unwrap())).await;
    assert_eq!(older["messages"][0]["seq"], 26);
    assert_error(&alice.get("/rooms/lobby/messages?around=nonsense").await, 400, "bad_request");
    assert_error(&alice.get("/rooms/lobby/messages?around=01JD5X0ZQ3M1T6P5V7K9W2B4C8").await, 404, "not_found");
}

#[tokio::test]
async fn the_mood_of_a_room_counts_todays_moods_and_the_newest_messages() {
    let dir = tempfile::tempdir().unwrap();
    let config = ChatConfig { sentiment: Arc::new(LocalSentiment::embedded()), ..ChatConfig::default() };
    let server = TestServer::start_with(dir.path(), config).await;
    let (alice, bob, mallory) = (Rest::new(&server, "alice"), Rest::new(&server, "bob"), Rest::new(&server, "mallory"));
    bob.get("/rooms").await;
    mallory.get("/rooms").await;
    let (_, dm) = alice.post("/dms", json!({"user": "bob"})).await;
    let dm = dm["id"].as_str().unwrap().to_string();
    let said = ["오늘 정말 행복해 고마워", "진짜 최악이야 너무 화나", "내일 세 시에 보자", "Thanks, that was wonderful!"];
    let mut ids = Vec::new();
    for (n, text) in said.iter().enumerate() {
        ids.push(say(if n % 2 == 0 { &alice } else { &bob }, &dm, &format!("m{n}"), text).await);
    }
    // The author's correction is what counts.
    let (status, _) = alice.call(reqwest::Method::PUT, &format!("/rooms/{dm}/messages/{}/mood", ids[2]), Some(json!({"mood": "positive"}))).await;
    assert_eq!(status, 200);

    let (status, mood) = alice.get(&format!("/rooms/{dm}/moods?tz_offset_min=540")).await;
    assert_eq!(status, 200, "{mood}");
    let days = mood["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    let today = &days[6];
    let count = |day: &Value, key: &str| day[key].as_u64().unwrap();
    assert_eq!(count(today, "positive") + count(today, "neutral") + count(today, "negative"), 4, "{today}");
    assert!(days[..6].iter().all(|d| count(d, "positive") + count(d, "neutral") + count(d, "negative") == 0));
    let recent: Vec<&str> = mood["recent"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert_eq!(recent.len(), 4);
    assert_eq!(recent[2], "positive", "the author's mood, oldest first");
    assert_eq!(count(today, "positive") as usize, recent.iter().filter(|m| **m == "positive").count());

    assert_error(&mallory.get(&format!("/rooms/{dm}/moods")).await, 403, "forbidden");
    assert_error(&alice.get("/rooms/no-such-room/moods").await, 404, "not_found");
    assert_error(&alice.get(&format!("/rooms/{dm}/moods?days=0")).await, 400, "bad_request");
    assert_error(&alice.get(&format!("/rooms/{dm}/moods?days=32")).await, 400, "bad_request");
    assert_error(&alice.get(&format!("/rooms/{dm}/moods?tz_offset_min=9999")).await, 400, "bad_request");
}
