//! Keeps the hostile-input fixes fixed: a corpus of bad inputs and a seeded
//! mutation fuzzer against the whole server, over REST, WebSocket frames and
//! the identity provider. A fixed budget of cases from a fixed seed (the same
//! cases every run; set MOODCHAT_FUZZ_SEED to explore others); every answer
//! must be a clean JSON error or success, never a 5xx, a hang or a crash,
//! every WebSocket frame an event or a documented close, and the server must
//! serve a normal user afterwards.

mod whole_server;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use whole_server::{start, Server, CLIENT_ID, PASSWORD};

const REST_CASES: usize = 1_200;
const WS_CASES: usize = 600;
const IDP_CASES: usize = 600;
/// One answer may take this long; more is a hang.
const ANSWER_DEADLINE: Duration = Duration::from_secs(10);

/// SplitMix64: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Fragments that break parsers: quotes, brackets, huge numbers, control,
/// bidi and zero-width characters, escapes, deep nesting.
const INTERESTING: &[&str] = &[
    "\"", "{", "}", "[", "]", ",", ":", "null", "true", "-1", "0", "1e999", "99999999999999999999999", "-0.0",
    "\\u0000", "\\ud800", "\u{202e}", "\u{200b}", "\u{feff}", "%00", "%FF", "..", "/", "\\", "\n", "\t", "\0",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "\"\":\"\"", "'", "<script>", "🙂", "한국어",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = if bytes.is_empty() { 0 } else { rng.below(bytes.len() + 1) };
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => bytes.insert(at, rng.next() as u8),
            2 if !bytes.is_empty() => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            3 => {
                let piece = rng.pick(INTERESTING).as_bytes().to_vec();
                bytes.splice(at..at, piece);
            }
            4 if !bytes.is_empty() => {
                let start = rng.below(bytes.len());
                let end = (start + rng.below(32)).min(bytes.len());
                let copy = bytes[start..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

fn seed() -> u64 {
    std::env::var("MOODCHAT_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x6d6f_6f64_6368_6174)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_mutated_inputs_get_clean_answers_and_the_server_stays_healthy() {
    let server = start(&["--auto-confirm", "--sign-up-rate", "100000/min", "--sign-in-rate", "100000/min",
                         "--sign-in-name-rate", "100000/min"]).await;
    let token = server.account("fuzz@example.com").await;
    let mut rng = Rng(seed());
    rest(&server, &token, &mut rng).await;
    websocket(&server, &token, &mut rng).await;
    identity_provider(&server, &mut rng).await;
    still_healthy(&server, &token).await;
}

async fn rest(server: &Server, token: &str, rng: &mut Rng) {
    let routes: &[(Method, &str, &str)] = &[
        (Method::GET, "/api/rooms", ""),
        (Method::GET, "/api/rooms?discover=true", ""),
        (Method::POST, "/api/rooms", r#"{"name":"fuzzers"}"#),
        (Method::POST, "/api/rooms/lobby/join", ""),
        (Method::GET, "/api/rooms/lobby/messages?limit=5&before=AAAA", ""),
        (Method::POST, "/api/rooms/lobby/messages", r#"{"client_id":"c-1","text":"hello"}"#),
        (Method::POST, "/api/rooms/lobby/read", r#"{"message_id":"01JD5X0ZQ3M1T6P5V7K9W2B4C8"}"#),
        (Method::GET, "/api/rooms/lobby/members", ""),
        (Method::POST, "/api/dms", r#"{"user":"nobody"}"#),
        (Method::GET, "/api/users?query=fu&limit=3", ""),
        (Method::POST, "/api/uploads", r#"{"room":"lobby","content_type":"image/png","size":10}"#),
        (Method::PUT, "/api/blobs/rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png?exp=1&size=1&by=e30&sig=x", "\u{89}PNG"),
        (Method::GET, "/api/blobs/rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png?exp=1&sig=x", ""),
        (Method::GET, "/api/health", ""),
    ];
    let corpus: &[&str] = &[
        "", "null", "[]", "{}", "{\"client_id\":1}", "{\"client_id\":\"c\",\"text\":\"a\",\"text\":\"b\"}",
        "{\"name\":\"\u{202e}gpj.exe\"}", "{\"client_id\":\"c c\",\"text\":\"x\"}", "{\"user\":\"../../etc\"}",
        "{\"message_id\":\"\0\"}", "{\"room\":\"lobby\",\"content_type\":\"text/html\",\"size\":-1}",
    ];
    for case in 0..REST_CASES {
        let (method, path, body) = rng.pick(routes).clone();
        let body = if case % 5 == 0 { rng.pick(corpus).as_bytes().to_vec() } else { mutate(rng, body.as_bytes()) };
        let path = if case % 3 == 0 { String::from_utf8_lossy(&mutate(rng, path.as_bytes())).into_owned() } else { path.to_owned() };
        let path: String = path.chars().filter(|c| !c.is_control() && *c != ' ' && *c != '#').collect();
        let path = if path.starts_with('/') { path } else { format!("/{path}") };
        let mut request = server.http.request(method.clone(), server.url(&path)).body(body.clone());
        if case % 7 != 0 {
            request = request.header("Authorization", token).header("Content-Type", "application/json");
        }
        let response = tokio::time::timeout(ANSWER_DEADLINE, request.send())
            .await
            .unwrap_or_else(|_| panic!("case {case}: {method} {path} hung"))
            .unwrap_or_else(|error| panic!("case {case}: {method} {path}: {error}"));
        let status = response.status();
        let is_json = response.headers().get("content-type").is_some_and(|v| v.to_str().unwrap_or("").contains("json"));
        let answer = response.bytes().await.unwrap();
        assert!(status.as_u16() < 500, "case {case}: {method} {path} {:?} -> {status} {}", String::from_utf8_lossy(&body), String::from_utf8_lossy(&answer));
        // Under /api every answer but an image is JSON; elsewhere (mutated
        // paths) the SPA answers.
        let api = path == "/api" || path.starts_with("/api/") || path.starts_with("/api?");
        if api && (status.is_client_error() || !path.starts_with("/api/blobs")) {
            assert!(is_json, "case {case}: {method} {path} -> {status} is not JSON: {}", String::from_utf8_lossy(&answer));
        }
    }
}

async fn websocket(server: &Server, token: &str, rng: &mut Rng) {
    let seeds: &[&str] = &[
        r#"{"action":"join","room":"lobby"}"#,
        r#"{"action":"join","room":"lobby","since":"01JD5X0ZQ3M1T6P5V7K9W2B4C8"}"#,
        r#"{"action":"sendMessage","room":"lobby","client_id":"w-1","text":"hi"}"#,
        r#"{"action":"sendMessage","message":"wscat style"}"#,
        r#"{"action":"typing","room":"lobby"}"#,
        r#"{"action":"read","room":"lobby","message_id":"01JD5X0ZQ3M1T6P5V7K9W2B4C8"}"#,
        r#"{"action":"leave","room":"lobby"}"#,
        r#"{"action":"ping"}"#,
        r#"{"action":"ping","action":"join"}"#,
        r#"{"action":"nope"}"#,
    ];
    let url = format!("ws://{}/api/ws?token={token}", server.addr);
    let mut sent = 0;
    while sent < WS_CASES {
        let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.expect("the WebSocket opens");
        // A fresh connection every 15 frames stays under the per-connection rate.
        for _ in 0..15.min(WS_CASES - sent) {
            let seed = *rng.pick(seeds);
            let frame = String::from_utf8_lossy(&mutate(rng, seed.as_bytes())).into_owned();
            sent += 1;
            if socket.send(WsMessage::text(frame.clone())).await.is_err() {
                break;
            }
        }
        socket.send(WsMessage::text(r#"{"action":"ping"}"#)).await.ok();
        // Drain until the pong: every frame before it was answered or ignored.
        loop {
            let next = tokio::time::timeout(ANSWER_DEADLINE, socket.next()).await.expect("the connection hung");
            match next {
                Some(Ok(WsMessage::Text(text))) => {
                    let event: Value = serde_json::from_str(&text).expect("events are JSON");
                    assert_ne!(event["code"], "internal", "{event}");
                    if event["type"] == "pong" {
                        break;
                    }
                }
                Some(Ok(WsMessage::Close(Some(frame)))) => {
                    assert!([1000, 1008, 1009].contains(&u16::from(frame.code)), "closed with {frame:?}");
                    break;
                }
                Some(Ok(_)) => {}
                None | Some(Err(_)) => break,
            }
        }
    }
}

async fn identity_provider(server: &Server, rng: &mut Rng) {
    let operations = [
        "SignUp", "ConfirmSignUp", "ResendConfirmationCode", "InitiateAuth", "RespondToAuthChallenge",
        "ForgotPassword", "ConfirmForgotPassword", "GetUser", "GlobalSignOut", "RevokeToken", "DeleteUser",
    ];
    let seeds = [
        json!({"ClientId": CLIENT_ID, "Username": "fz", "Password": PASSWORD, "UserAttributes": [{"Name": "email", "Value": "fz@example.com"}]}),
        json!({"ClientId": CLIENT_ID, "Username": "fz", "ConfirmationCode": "123456"}),
        json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT_ID, "AuthParameters": {"USERNAME": "fz", "SRP_A": "abcdef0123"}}),
        json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": CLIENT_ID, "AuthParameters": {"REFRESH_TOKEN": "x"}}),
        json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT_ID, "ChallengeResponses": {"USERNAME": "fz",
               "PASSWORD_CLAIM_SECRET_BLOCK": "AAAA", "PASSWORD_CLAIM_SIGNATURE": "AAAA", "TIMESTAMP": "Mon Jan 1 00:00:00 UTC 2024"}}),
        json!({"AccessToken": "a.b.c"}),
        json!({"Token": "t", "ClientId": CLIENT_ID}),
    ]
    .map(|seed| seed.to_string());
    for case in 0..IDP_CASES {
        let operation = rng.pick(&operations);
        let seed = rng.pick(&seeds).clone();
        let body = mutate(rng, seed.as_bytes());
        let target = if case % 11 == 0 { "Nonsense.Op".to_owned() } else { format!("AWSCognitoIdentityProviderService.{operation}") };
        let request = server
            .http
            .post(server.url("/idp/"))
            .header("X-Amz-Target", target)
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.clone());
        let response = tokio::time::timeout(ANSWER_DEADLINE, request.send()).await.expect("the IdP hung").unwrap();
        let status = response.status();
        let answer: Value = serde_json::from_slice(&response.bytes().await.unwrap())
            .unwrap_or_else(|_| panic!("case {case}: {operation} answered {status} without JSON"));
        assert!(status.as_u16() < 500, "case {case}: {operation} {:?} -> {status} {answer}", String::from_utf8_lossy(&body));
        assert!(status.is_success() || answer["__type"].is_string(), "case {case}: {answer}");
    }
}

async fn still_healthy(server: &Server, token: &str) {
    let (status, health) = server.api(Method::GET, "/health", token, None).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    let (status, sent) =
        server.api(Method::POST, "/rooms/lobby/messages", token, Some(json!({"client_id": "after-fuzz", "text": "still here"}))).await;
    assert!(status == 201 || status == 200, "{status} {sent}");
    let (status, history) = server.api(Method::GET, "/rooms/lobby/messages?limit=1", token, None).await;
    assert_eq!(status, 200);
    assert_eq!(history["messages"][0]["text"], "still here");
    let other = server.account("after-fuzz@example.com").await;
    assert_eq!(server.api(Method::GET, "/rooms", &other, None).await.0, 200, "a new user still signs up and in");
}
