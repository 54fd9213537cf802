//! Two `moodchat serve` processes on ONE data directory (as two Lambdas on
//! one table would be): four people send through both, a polling client on
//! each follows `?after=` cursors. Every acked message reaches every poller
//! exactly once, in seq order, with no gap: order no longer depends on one
//! process's ordering lock but on the seq the store assigns with the write.
//! (Before seqs, with message-id cursors, a poller skipped 1 to 3 of 600 in
//! two runs of three.)

mod whole_server;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tokio::time::Instant;
use whole_server::process::{Options, Process};
use whole_server::Server;

const SENDERS: usize = 4;
const EACH: usize = 150;
const DEADLINE: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_database_lose_and_repeat_nothing() {
    // One public URL for both, as behind one load balancer: the tokens one
    // issues, the other accepts (same issuer, same key in the data dir).
    let args = ["--auto-confirm", "--public-url", "http://chat.test"];
    let first = Process::start(Options { args: &args, ..Options::default() });
    let front = Server::attach(first.addr);
    let mut tokens = Vec::new();
    for n in 0..SENDERS + 2 {
        tokens.push(front.account(&format!("person{n}@example.com")).await);
    }
    // Started once the first has made the database and the signing key.
    let data_dir = first.data_dir();
    let second = Process::start(Options { args: &args, data_dir: Some(&data_dir), ..Options::default() });
    let servers = Arc::new([Server::attach(first.addr), Server::attach(second.addr)]);

    let sending = Arc::new(AtomicBool::new(true));
    let pollers: Vec<_> = (0..2)
        .map(|p| tokio::spawn(poll(servers.clone(), p, tokens[SENDERS + p].clone(), sending.clone())))
        .collect();
    let senders: Vec<_> = (0..SENDERS).map(|s| tokio::spawn(send_all(servers.clone(), s, tokens[s].clone()))).collect();
    let mut acked = HashSet::new();
    for sender in senders {
        acked.extend(sender.await.unwrap());
    }
    sending.store(false, Ordering::SeqCst);
    assert_eq!(acked.len(), SENDERS * EACH);

    for (p, poller) in pollers.into_iter().enumerate() {
        let seen = poller.await.unwrap();
        let ids: Vec<&String> = seen.iter().map(|(id, _)| id).collect();
        let distinct: HashSet<&String> = ids.iter().copied().collect();
        let skipped: Vec<&String> = acked.iter().filter(|id| !distinct.contains(id)).collect();
        let repeated = ids.len() - distinct.len();
        assert!(skipped.is_empty() && repeated == 0, "poller {p}: skipped {skipped:?}, {repeated} seen twice");
        assert!(distinct.iter().all(|id| acked.contains(*id)), "poller {p}: only acked messages");
        let seqs: Vec<u64> = seen.iter().map(|(_, seq)| *seq).collect();
        let out_of_place: Vec<(usize, u64)> =
            seqs.iter().enumerate().filter(|(i, seq)| **seq != *i as u64 + 1).map(|(i, seq)| (i, *seq)).take(5).collect();
        assert!(out_of_place.is_empty(), "poller {p}: seqs 1..=n in order; first out of place (index, seq): {out_of_place:?}");
    }
}

/// Sends `EACH` messages, alternating between the two processes; a 429
/// (the per-user send rate) is retried with the same client_id. Returns the
/// acked ids.
async fn send_all(servers: Arc<[Server; 2]>, sender: usize, token: String) -> Vec<String> {
    let mut acked = Vec::new();
    for n in 0..EACH {
        let server = &servers[(sender + n) % 2];
        let body = json!({"client_id": format!("s{sender}-{n}"), "text": format!("{sender}/{n}")});
        let deadline = Instant::now() + DEADLINE;
        loop {
            let (status, message) = server.api(Method::POST, "/rooms/lobby/messages", &token, Some(body.clone())).await;
            match status {
                200 | 201 => {
                    acked.push(message["id"].as_str().unwrap().to_owned());
                    break;
                }
                // Paced like the app paces itself under the rate limit.
                429 if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
                _ => panic!("send {sender}/{n}: {status} {message}"),
            }
        }
    }
    acked
}

/// Follows the lobby through one process with `?after=` cursors, from the
/// start (seq 0), until the senders are done and a poll finds nothing new.
/// Returns (id, seq) of every message seen, in the order seen.
async fn poll(servers: Arc<[Server; 2]>, which: usize, token: String, sending: Arc<AtomicBool>) -> Vec<(String, u64)> {
    let server = &servers[which];
    let mut cursor = "0".to_owned();
    let mut seen = Vec::new();
    let deadline = Instant::now() + DEADLINE;
    loop {
        let still_sending = sending.load(Ordering::SeqCst);
        let path = format!("/rooms/lobby/messages?after={cursor}&limit=50");
        let (status, page) = server.api(Method::GET, &path, &token, None).await;
        assert_eq!(status, 200, "{page}");
        let messages = page["messages"].as_array().unwrap();
        for message in messages {
            seen.push((message["id"].as_str().unwrap().to_owned(), message["seq"].as_u64().unwrap()));
        }
        cursor = page["after"].as_str().unwrap().to_owned();
        if messages.is_empty() {
            if !still_sending {
                return seen;
            }
            assert!(Instant::now() < deadline, "poller {which} still polling at the deadline");
            // A polling client's interval.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
