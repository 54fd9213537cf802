//! Slowloris and friends: clients that hold connections open without ever
//! finishing a request. The real binary runs under the file descriptor
//! limit systemd gives by default (1024); 1,100 clients each send a request
//! header a byte at a time, never finishing it, and a real client must
//! still be served. Before the fix the slow clients took every descriptor
//! and the server could not accept anyone until they left.

mod whole_server;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};
use whole_server::process::{Options, Process};
use whole_server::{start, DEADLINE};

const SLOW_CLIENTS: usize = 1_100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_client_gets_through_eleven_hundred_slowloris_connections() {
    // This process needs a descriptor per slow client too.
    rlimit::increase_nofile_limit(4 * SLOW_CLIENTS as u64).unwrap();
    let process = Process::start(Options { args: &["--header-read-timeout", "2"], log_level: None, nofile: Some(1024), data_dir: None });
    let addr = process.addr;
    // Longer than the real client may wait: without the fix nothing frees a slot meanwhile.
    let dripping_until = Instant::now() + Duration::from_secs(20);
    let mut slow = Vec::with_capacity(SLOW_CLIENTS);
    for _ in 0..SLOW_CLIENTS {
        let Ok(Ok(mut stream)) = timeout(Duration::from_secs(5), TcpStream::connect(addr)).await else { continue };
        slow.push(tokio::spawn(async move {
            if stream.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.is_err() {
                return true;
            }
            // A byte every half second, well inside any per-read timeout.
            while Instant::now() < dripping_until {
                tokio::time::sleep(Duration::from_millis(500)).await;
                if stream.write_all(b"a").await.is_err() {
                    return true;
                }
            }
            // Closed by the server: reading ends (EOF or reset), never a response.
            let mut buffer = [0u8; 64];
            matches!(timeout(Duration::from_secs(1), stream.read(&mut buffer)).await, Ok(Ok(0) | Err(_)))
        }));
    }
    assert!(slow.len() > 1_000, "only {} slow clients connected", slow.len());

    let started = Instant::now();
    let answer = timeout(Duration::from_secs(8), reqwest::get(process.url("/api/health"))).await;
    let answer = answer.expect("the real client waited more than 8 s").expect("the real client was refused");
    assert_eq!(answer.status(), 200);
    println!("a real client got through in {:?} beside {} slowloris connections", started.elapsed(), slow.len());

    let mut closed = 0;
    for client in slow {
        closed += usize::from(client.await.unwrap());
    }
    assert!(closed * 10 >= SLOW_CLIENTS * 9, "the server closed only {closed} slow clients");
}

#[tokio::test]
async fn a_request_body_that_stalls_is_cut_off() {
    let server = start(&["--body-read-timeout", "1"]).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = "POST /idp/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n\
                X-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\nContent-Length: 100\r\n\r\n{\"Cl";
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = timeout(DEADLINE, stream.read_to_end(&mut answer)).await.expect("the server must give up on the body");
    read.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("SerializationException"), "{answer}");
}

#[tokio::test]
async fn headers_that_never_finish_are_cut_off() {
    let server = start(&["--header-read-timeout", "1"]).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    let mut buffer = Vec::new();
    let _ = timeout(DEADLINE, stream.read_to_end(&mut buffer)).await.expect("the server must close the connection");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}
