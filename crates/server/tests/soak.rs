//! A soak with misbehaving clients around a well-behaved one, against the
//! real binary, whose memory is read from /proc: slowloris connections,
//! requests abandoned halfway (JSON bodies and image uploads), HTTP clients
//! that never read their answer, and decompression bombs. Memory must stay
//! bounded, and every message the server acknowledged must be in the
//! history afterwards.
//!
//! WebSocket readers that stop reading have their own soak:
//! `soak_websocket.rs`.

mod bombs;
mod whole_server;

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use whole_server::process::{Options, Process};
use whole_server::Server;

const SOAK: Duration = Duration::from_secs(8);
/// Every upload attempt is charged its full size against this quota, so the
/// uploader stops before it: a quota refusal (429) is not what this test is
/// about, and a fast machine makes more than 500 attempts of 2 MB in 8 s.
const UPLOAD_BYTES_PER_HOUR: &str = "1GiB/hour";
const UPLOAD_BYTES_BUDGET: u64 = 1 << 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_clients_neither_grow_memory_nor_lose_acknowledged_messages() {
    rlimit::increase_nofile_limit(8192).unwrap();
    let process = Process::start(Options {
        args: &[
            "--auto-confirm", "--header-read-timeout", "2", "--body-read-timeout", "2", "--write-timeout", "3",
            "--upload-ticket-rate", "10000/hour", "--upload-rate", "10000/hour", "--upload-bytes-rate", UPLOAD_BYTES_PER_HOUR,
        ],
        log_level: None,
        nofile: Some(1024),
        data_dir: None,
    });
    let server = Server::attach(process.addr);
    let token = server.account("soak@example.com").await;
    let big = big_message_history(&server, &token).await;
    let bomb = tokio::task::spawn_blocking(|| bombs::png_bomb(16_384, 16_384)).await.unwrap();
    let (baseline, _) = process.memory_kib();
    let until = Instant::now() + SOAK;

    let addr = process.addr;
    let mut misbehaving = Vec::new();
    for _ in 0..200 {
        misbehaving.push(tokio::spawn(slowloris(addr, until)));
    }
    for _ in 0..20 {
        misbehaving.push(tokio::spawn(never_reads(addr, token.clone(), until)));
    }
    misbehaving.push(tokio::spawn(abandons_requests(addr, until)));
    let uploads = tokio::spawn(abandons_uploads_and_sends_bombs(Server::attach(addr), token.clone(), bomb, until));

    let mut acked = Vec::new();
    let mut peak = baseline;
    let mut n = 0;
    while Instant::now() < until {
        let body = json!({"client_id": format!("soak-{n}"), "text": format!("message {n} of the soak")});
        let (status, sent) = server.api(Method::POST, "/rooms/lobby/messages", &token, Some(body)).await;
        match status {
            200 | 201 => acked.push(sent["id"].as_str().unwrap().to_owned()),
            429 => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("a well-behaved send got {other}: {sent}"),
        }
        peak = peak.max(process.memory_kib().0);
        n += 1;
    }
    for task in misbehaving {
        task.await.unwrap();
    }
    uploads.await.unwrap();

    let (now, high_water) = process.memory_kib();
    println!("RSS: {baseline} KiB before, {peak} KiB peak sampled, {high_water} KiB high-water mark, {now} KiB after; {} messages acked", acked.len());
    assert!(acked.len() >= 20, "only {} messages went through", acked.len());
    assert!(high_water < baseline + 300 * 1024, "memory grew from {baseline} to {high_water} KiB");
    let mut history = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(before) => format!("/rooms/lobby/messages?limit=200&before={before}"),
            None => "/rooms/lobby/messages?limit=200".to_owned(),
        };
        let (status, page) = server.api(Method::GET, &path, &token, None).await;
        assert_eq!(status, 200, "{page}");
        for message in page["messages"].as_array().unwrap() {
            history.insert(message["id"].as_str().unwrap().to_owned());
        }
        match page["before"].as_str() {
            Some(before) => cursor = Some(before.to_owned()),
            None => break,
        }
    }
    let lost: Vec<_> = acked.iter().filter(|id| !history.contains(*id)).collect();
    assert!(lost.is_empty(), "{} acked messages are not in the history: {lost:?}", lost.len());
    assert!(history.len() >= acked.len() + big);
}

/// A history page of ~200 long messages: a large answer to not read.
async fn big_message_history(server: &Server, token: &str) -> usize {
    let text = "잔잔한 하루였어요. ".repeat(200);
    const BIG: usize = 60;
    for n in 0..BIG {
        // Over the send rate: wait and send the same message again, so that
        // all of them are stored (the count is asserted at the end).
        loop {
            let body = json!({"client_id": format!("big-{n}"), "text": text});
            let (status, answer) = server.api(Method::POST, "/rooms/lobby/messages", token, Some(body)).await;
            if status == 429 {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            assert!(status == 201, "{answer}");
            break;
        }
    }
    BIG
}

async fn slowloris(addr: std::net::SocketAddr, until: Instant) {
    let Ok(mut stream) = TcpStream::connect(addr).await else { return };
    let _ = stream.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ").await;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if stream.write_all(b"a").await.is_err() {
            return;
        }
    }
}

/// Asks for the biggest answer it can and never reads it.
async fn never_reads(addr: std::net::SocketAddr, token: String, until: Instant) {
    let Ok(mut stream) = TcpStream::connect(addr).await else { return };
    let request = format!("GET /api/rooms/lobby/messages?limit=200 HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\n\r\n");
    for _ in 0..3 {
        if stream.write_all(request.as_bytes()).await.is_err() {
            return;
        }
    }
    tokio::time::sleep_until(until).await;
    drop(stream);
}

/// JSON bodies that stop halfway: sometimes the client leaves, sometimes it stalls.
async fn abandons_requests(addr: std::net::SocketAddr, until: Instant) {
    let mut n = 0;
    while Instant::now() < until {
        let Ok(mut stream) = TcpStream::connect(addr).await else { continue };
        let head = "POST /idp/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n\
                    X-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\nContent-Length: 60000\r\n\r\n{\"Username\":\"";
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(&vec![b'a'; 20_000]).await;
        if n % 2 == 0 {
            drop(stream);
        } else {
            tokio::spawn(async move {
                let mut sink = Vec::new();
                let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut sink)).await;
            });
        }
        n += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Uploads that stop halfway, and 2 MB PNGs claiming 2 GiB of pixels.
async fn abandons_uploads_and_sends_bombs(server: Server, token: String, bomb: Vec<u8>, until: Instant) {
    let mut n = 0;
    let size = bomb.len();
    while Instant::now() < until && (n + 1) * size as u64 <= UPLOAD_BYTES_BUDGET {
        let body = json!({"room": "lobby", "content_type": "image/png", "size": size});
        let (status, ticket) = server.api(Method::POST, "/uploads", &token, Some(body)).await;
        assert_eq!(status, 200, "{ticket}");
        let url = server.url(ticket["url"].as_str().unwrap());
        if n % 2 == 0 {
            let answer = server.http.put(url).header("content-type", "image/png").body(bomb.clone()).send().await.unwrap();
            assert_eq!(answer.status(), 413, "a bomb is refused");
        } else {
            let addr = server.addr;
            let path = url.trim_start_matches(&server.base).to_owned();
            let Ok(mut stream) = TcpStream::connect(addr).await else { continue };
            let head = format!("PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: {size}\r\n\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&bomb[..size / 2]).await;
            drop(stream);
        }
        n += 1;
    }
}
