//! Clients that go away mid-send must not cost anyone else a message (issue
//! 13, item 3). Many people send at once over REST and WebSocket; a third of
//! them close their connection right after sending, while the server is
//! committing. A receiver joined all along, and a re-join with `since`, must
//! both see every committed message exactly once and in the same order, every
//! acknowledged message must be among them, and nobody who stayed gets a 5xx.

mod chat_support;

use std::collections::HashSet;
use std::time::Duration;

use chat_support::*;
use moodchat_protocol::{ErrorCode, ServerEvent};
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const REST_SENDERS: usize = 24;
const WS_SENDERS: usize = 6;
/// Per sender; under the burst of the per-user send limits (20).
const MESSAGES: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_abandon_their_sends_lose_nobody_elses_message() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut watcher = WsClient::connect(&server, "watcher").await;
    watcher.join("lobby", None).await;
    let marker = Rest::new(&server, "marker");
    let (status, start) = marker.post("/rooms/lobby/messages", json!({"client_id": "start", "text": "start"})).await;
    assert_eq!(status, 201, "{start}");
    let start_id = start["id"].as_str().unwrap().to_owned();
    assert_eq!(watcher.next_message().await.id, start_id);

    // Everything the joined receiver sees, until the closing marker.
    let watching = tokio::spawn(async move {
        let mut seen = Vec::new();
        loop {
            let message = watcher.next_message().await;
            let last = message.text == "end";
            seen.push(message.id);
            if last {
                return seen;
            }
        }
    });

    let mut senders = Vec::new();
    for s in 0..REST_SENDERS {
        let abandons = s % 3 == 0;
        let addr = server.addr;
        let rest = Rest::new(&server, &format!("rest{s}"));
        senders.push(tokio::spawn(async move {
            let sends = (0..MESSAGES).map(|n| {
                let body = json!({"client_id": format!("r{s}-{n}"), "text": format!("rest {s} {n}")});
                let rest = &rest;
                async move {
                    if abandons {
                        abandon_send(addr, &format!("rest{s}"), &body, n).await;
                        None
                    } else {
                        Some(rest.post("/rooms/lobby/messages", body).await)
                    }
                }
            });
            let mut acked = Vec::new();
            for answer in futures_util::future::join_all(sends).await.into_iter().flatten() {
                assert!(answer.0 < 500, "a sender that stayed got {answer:?}");
                assert_eq!(answer.0, 201, "{answer:?}");
                acked.push(answer.1["id"].as_str().unwrap().to_owned());
            }
            acked
        }));
    }
    for s in 0..WS_SENDERS {
        let mut client = WsClient::connect(&server, &format!("ws{s}")).await;
        senders.push(tokio::spawn(async move {
            for n in 0..MESSAGES {
                client.send(json!({"action": "sendMessage", "room": "lobby", "client_id": format!("w{s}-{n}"), "text": "ws"})).await;
            }
            if s % 3 == 0 {
                // Gone without a close frame while its sends are in flight.
                drop(client);
                return Vec::new();
            }
            let mut acked = Vec::new();
            while acked.len() < MESSAGES {
                match client.wait_for(|e| matches!(e, ServerEvent::Ack { .. } | ServerEvent::Error { .. })).await {
                    ServerEvent::Ack { id, .. } => acked.push(id),
                    ServerEvent::Error { code, message, .. } => {
                        assert_ne!(code, ErrorCode::Internal, "a WebSocket sender that stayed got {message}")
                    }
                    _ => unreachable!(),
                }
            }
            acked
        }));
    }
    let mut acked = Vec::new();
    for sender in senders {
        acked.extend(sender.await.unwrap());
    }

    let (status, end) = marker.post("/rooms/lobby/messages", json!({"client_id": "end", "text": "end"})).await;
    assert_eq!(status, 201, "{end}");
    let live = tokio::time::timeout(DEADLINE, watching).await.expect("the receiver sees the end").unwrap();
    let mut rejoined = WsClient::connect(&server, "rejoiner").await;
    let replayed: Vec<String> = rejoined.join("lobby", Some(&start_id)).await.into_iter().map(|m| m.id).collect();

    let unique: HashSet<&String> = replayed.iter().collect();
    assert_eq!(unique.len(), replayed.len(), "duplicates in the replay");
    assert_eq!(live, replayed, "the joined receiver saw exactly what was committed, in order");
    let missing: Vec<&String> = acked.iter().filter(|id| !unique.contains(id)).collect();
    assert!(missing.is_empty(), "acknowledged but not committed: {missing:?}");
    let stayed = (REST_SENDERS - REST_SENDERS.div_ceil(3) + WS_SENDERS - WS_SENDERS.div_ceil(3)) * MESSAGES;
    assert_eq!(acked.len(), stayed);
}

/// Sends a message over a connection of its own and closes it without
/// waiting for the answer, at a moment that varies from send to send, so
/// that some requests are dropped while their batch is being committed.
async fn abandon_send(addr: std::net::SocketAddr, username: &str, body: &serde_json::Value, n: usize) {
    let body = body.to_string();
    let request = format!(
        "POST /api/rooms/lobby/messages HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        token(username),
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    // The attacker's timing, not a wait for the server: 0 to 4.5 ms.
    tokio::time::sleep(Duration::from_micros(500 * (n as u64 % 10))).await;
    drop(stream);
}
