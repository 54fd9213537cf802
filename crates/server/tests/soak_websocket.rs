//! The WebSocket half of the soak (tests/soak.rs has the HTTP half), against
//! the real binary: WebSockets join the lobby and never read, while writers
//! send more than a connection may have queued. Every slow reader must be
//! kicked and closed by the server while it still reads nothing (its end of
//! the TCP connection leaves ESTABLISHED, as /proc/net/tcp shows, long before
//! the write timeout), memory must stay bounded, and every acknowledged
//! message must be in the history (issue 13, item 6).

mod whole_server;

use std::collections::HashSet;
use std::time::Duration;

use futures_util::SinkExt;
use reqwest::Method;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;
use whole_server::process::{Options, Process};
use whole_server::{eventually, Server};

const READER_ACCOUNTS: usize = 3;
const READERS_PER_ACCOUNT: usize = 4;
const WRITERS: usize = 10;
/// Per writer: with the queue below and the kernel's socket buffers (4 MiB
/// on loopback), enough ~10 KB messages to overflow every reader.
const MESSAGES: usize = 70;
const OUTBOX: &str = "64";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_readers_are_closed_and_cost_neither_memory_nor_messages() {
    let process = Process::start(Options {
        args: &[
            "--auto-confirm", "--sign-up-rate", "100/min", "--sign-in-rate", "100/min", "--ws-outbox-capacity", OUTBOX,
            // Far beyond the test: only the kick may close the readers.
            "--write-timeout", "600",
        ],
        log_level: None,
        nofile: None,
        data_dir: None,
    });
    let server = Server::attach(process.addr);
    let mut readers = Vec::new();
    for account in 0..READER_ACCOUNTS {
        let token = server.account(&format!("reader{account}@example.com")).await;
        for _ in 0..READERS_PER_ACCOUNT {
            let url = format!("ws://{}/api/ws?token={token}", process.addr);
            let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
            socket.send(Message::text(r#"{"action":"join","room":"lobby"}"#)).await.unwrap();
            readers.push(socket); // never read
        }
    }
    let reader_ports: Vec<u16> = readers
        .iter()
        .map(|socket| match socket.get_ref() {
            MaybeTlsStream::Plain(stream) => stream.local_addr().unwrap().port(),
            _ => unreachable!("plain ws://"),
        })
        .collect();
    let server_port = process.addr.port();
    assert_eq!(established(server_port, &reader_ports), reader_ports.len(), "every reader is connected");
    let (baseline, _) = process.memory_kib();

    let text = "잔잔한 하루였어요. ".repeat(360);
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let token = server.account(&format!("writer{w}@example.com")).await;
        let (server, text) = (Server::attach(process.addr), text.clone());
        writers.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut n = 0;
            while n < MESSAGES {
                let body = json!({"client_id": format!("w{w}-{n}"), "text": text});
                let (status, sent) = server.api(Method::POST, "/rooms/lobby/messages", &token, Some(body)).await;
                match status {
                    201 => {
                        acked.push(sent["id"].as_str().unwrap().to_owned());
                        n += 1;
                    }
                    // The per-user send rate: the writer's pace, not a wait for the server.
                    429 => tokio::time::sleep(Duration::from_millis(100)).await,
                    other => panic!("a writer got {other}: {sent}"),
                }
            }
            acked
        }));
    }
    let mut acked = Vec::new();
    for writer in writers {
        acked.extend(writer.await.unwrap());
    }

    // The readers have read nothing; the server must have let go of them.
    eventually("the server to close every slow reader", || async {
        established(server_port, &reader_ports) == 0
    })
    .await;
    let (now, high_water) = process.memory_kib();
    println!("RSS: {baseline} KiB before, {high_water} KiB high-water mark, {now} KiB after; {} acked", acked.len());
    assert!(high_water < baseline + 64 * 1024, "memory grew from {baseline} to {high_water} KiB");
    drop(readers);

    let token = server.account("auditor@example.com").await;
    let mut history = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(before) => format!("/rooms/lobby/messages?limit=200&before={before}"),
            None => "/rooms/lobby/messages?limit=200".to_owned(),
        };
        let (status, page) = server.api(Method::GET, &path, &token, None).await;
        assert_eq!(status, 200, "{page}");
        history.extend(page["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()));
        match page["before"].as_str() {
            Some(before) => cursor = Some(before.to_owned()),
            None => break,
        }
    }
    let lost: Vec<&String> = acked.iter().filter(|id| !history.contains(*id)).collect();
    assert!(lost.is_empty(), "{} acknowledged messages are not in the history", lost.len());
    assert_eq!(acked.len(), WRITERS * MESSAGES);
}

/// How many of the server's ends of connections from `client_ports` are
/// still ESTABLISHED (state 01 in /proc/net/tcp): once the server closes a
/// socket it moves on (FIN_WAIT), even with unsent data left for a client
/// that does not read.
fn established(server_port: u16, client_ports: &[u16]) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let port = |address: &str| u16::from_str_radix(address.rsplit(':').next().unwrap(), 16).unwrap();
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            port(fields[1]) == server_port && client_ports.contains(&port(fields[2])) && fields[3] == "01"
        })
        .count()
}
