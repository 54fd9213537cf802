//! A room of N WebSocket connections through the local serverless stack,
//! measured from outside: this process starts `local-gateway` (a separate
//! process, with DynamoDB Local and moto) running infra/template.yaml with
//! crates/aws's real functions, signs users in at the embedded identity
//! provider by SRP, opens `--users` × `--per-user` connections that join
//! the lobby, then one of them sends `--messages` messages, each after the
//! previous one's ack (and at most one per 150 ms: the frame limit). Reported: the cold and warm `$default` round trip
//! (a `ping`), the sender's ack time, and per delivery (send -> the frame
//! at each other connection) p50/p99 and deliveries per second.
//!
//!     cargo build -p moodchat-local-gateway --bin local-gateway
//!     cargo build -p moodchat-aws --bins --example room-bench
//!     source scripts/env.sh   # DynamoDB Local and moto (scripts/setup.sh --aws)
//!     $CARGO_TARGET_DIR/debug/examples/room-bench --users 20 --per-user 10 --messages 40

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use aws_cognito_srp::{SrpClient, User as SrpUser};
use futures_util::{SinkExt, StreamExt};
use moodchat_local_gateway::template::LocalNames;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Frame;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
type Failure = Box<dyn std::error::Error + Send + Sync>;

/// One frame per connection at most this often: 13 per 2 s, within the
/// frame limit (20 per fixed 2 s window) however the windows fall.
const PACE: Duration = Duration::from_millis(150);

fn flag(name: &str, default: usize) -> usize {
    let arguments: Vec<String> = std::env::args().collect();
    arguments.iter().position(|a| a == name).and_then(|i| arguments.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    println!("{what:<46} n={:<6} p50 {:>8.2} ms  p90 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.2} ms", samples.len(), at(0.5), at(0.9), at(0.99), at(1.0));
}

async fn id_token(http: &reqwest::Client, url: &str, email: &str) -> Result<String, Failure> {
    let names = LocalNames::default();
    let cognito = |operation: &'static str, body: Value| {
        let request = http
            .post(format!("{url}/idp/"))
            .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.to_string());
        async move { request.send().await?.json::<Value>().await }
    };
    let password = "Passw0rd!x";
    cognito("SignUp", json!({"ClientId": names.client_id, "Username": email, "Password": password,
        "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": email}]}))
    .await?;
    let client = SrpClient::new(SrpUser::new(&names.user_pool_id, email, password), &names.client_id, None);
    let auth = client.get_auth_parameters();
    let challenge = cognito("InitiateAuth", json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": names.client_id,
        "AuthParameters": {"USERNAME": auth.username, "SRP_A": auth.a}}))
    .await?;
    let param = |name: &str| challenge["ChallengeParameters"][name].as_str().unwrap_or_default().to_owned();
    let proof = client.verify(&param("SECRET_BLOCK"), &param("USER_ID_FOR_SRP"), &param("SALT"), &param("SRP_B"))?;
    let answer = cognito("RespondToAuthChallenge", json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": names.client_id,
        "ChallengeResponses": {"USERNAME": param("USER_ID_FOR_SRP"), "PASSWORD_CLAIM_SECRET_BLOCK": proof.password_claim_secret_block,
            "PASSWORD_CLAIM_SIGNATURE": proof.password_claim_signature, "TIMESTAMP": proof.timestamp}}))
    .await?;
    let token = answer["AuthenticationResult"]["IdToken"].as_str();
    Ok(token.ok_or_else(|| format!("sign-in of {email} failed: {answer}"))?.to_owned())
}

/// The next event of `kind`, skipping others, within 60 s.
async fn next_of(socket: &mut Socket, kind: &str) -> Result<Value, Failure> {
    loop {
        match tokio::time::timeout(Duration::from_secs(60), socket.next()).await? {
            Some(Ok(Frame::Text(text))) => {
                let event: Value = serde_json::from_str(&text)?;
                if event["type"] == kind {
                    return Ok(event);
                }
            }
            Some(Ok(_)) => continue,
            other => return Err(format!("waiting for {kind}: {other:?}").into()),
        }
    }
}

async fn send(socket: &mut Socket, frame: Value) -> Result<(), Failure> {
    Ok(socket.send(Frame::Text(frame.to_string().into())).await?)
}

/// Connects, waiting (with a deadline) while the user is at the connection
/// limit: the probe's `$disconnect` runs after its socket closed.
async fn connect_within_limit(url: &str) -> Result<Socket, Failure> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match tokio_tungstenite::connect_async(url).await {
            Ok((socket, _)) => return Ok(socket),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) if response.status() == 429 && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let debug_dir = std::env::current_exe()?.parent().and_then(|p| p.parent()).map(PathBuf::from).ok_or("no directory")?;
    let repo = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())).join("../..");
    let mut gateway = tokio::process::Command::new(debug_dir.join("local-gateway"))
        .args(["--addr", "127.0.0.1:0", "--auto-confirm", "--start-services", "--max-instances", "8", "--template"])
        .arg(repo.join("infra/template.yaml"))
        .arg("--binary-dir")
        .arg(&debug_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let outcome = bench(&mut gateway).await;
    // Ctrl-C, not a kill: the gateway then stops DynamoDB Local and moto,
    // its children, which a killed gateway would leave running.
    if let Some(pid) = gateway.id() {
        let _ = std::process::Command::new("kill").args(["-INT", &pid.to_string()]).status();
        let _ = tokio::time::timeout(Duration::from_secs(20), gateway.wait()).await;
    }
    outcome
}

async fn bench(gateway: &mut tokio::process::Child) -> Result<(), Failure> {
    let (users, per_user, messages) = (flag("--users", 20), flag("--per-user", 10), flag("--messages", 40));
    let mut lines = BufReader::new(gateway.stdout.take().ok_or("no stdout")?).lines();
    let url = loop {
        let line = lines.next_line().await?.ok_or("local-gateway exited (built? DynamoDB Local and moto installed?)")?;
        if let Some(url) = line.strip_prefix("local-gateway listening on ") {
            break url.to_owned();
        }
    };
    let ws_url = |token: &str| format!("{}/prod?token={token}", url.replace("http://", "ws://"));
    // The identity provider allows 20 sign-ups per client address and hour
    // (docs/security.md), and a user 10 connections: 20 × 10 = 200.
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for user in 0..users {
        tokens.push(id_token(&http, &url, &format!("bench{user}@example.com")).await?);
    }

    // Cold and warm `$default`: the first frame starts the function's process.
    let (mut probe, _) = tokio_tungstenite::connect_async(ws_url(&tokens[0])).await?;
    let started = Instant::now();
    send(&mut probe, json!({"action": "ping"})).await?;
    next_of(&mut probe, "pong").await?;
    report("$default ping round trip, cold (new process)", vec![started.elapsed()]);
    // Paced under the frame limit (20 per 2 s window, counted in the table).
    let mut warm = Vec::new();
    let mut pace = tokio::time::interval(PACE);
    for _ in 0..100 {
        pace.tick().await;
        let started = Instant::now();
        send(&mut probe, json!({"action": "ping"})).await?;
        next_of(&mut probe, "pong").await?;
        warm.push(started.elapsed());
    }
    report("$default ping round trip, warm", warm);
    probe.close(None).await?;
    drop(probe);

    // The room: every connection joins the lobby (each join announces presence to all).
    let mut sockets = Vec::new();
    let joining = Instant::now();
    for token in &tokens {
        for _ in 0..per_user {
            let mut socket = connect_within_limit(&ws_url(token)).await?;
            send(&mut socket, json!({"action": "join", "room": "lobby"})).await?;
            next_of(&mut socket, "joined").await?;
            sockets.push(socket);
        }
    }
    println!("{} connections joined in {:.1} s", sockets.len(), joining.elapsed().as_secs_f64());

    // Every connection but the sender's records when each message reaches it.
    let mut sender = sockets.remove(0);
    let (arrivals, mut arrived) = mpsc::unbounded_channel::<(usize, Instant)>();
    for mut socket in sockets {
        let arrivals = arrivals.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let Frame::Text(text) = frame else { continue };
                let Ok(event) = serde_json::from_str::<Value>(&text) else { continue };
                if event["type"] != "message" {
                    continue;
                }
                let index = event["message"]["text"].as_str().and_then(|t| t.strip_prefix("bench ")).and_then(|i| i.parse().ok());
                if let Some(index) = index {
                    let _ = arrivals.send((index, Instant::now()));
                }
            }
        });
    }
    drop(arrivals);
    let receivers = users * per_user - 1;

    let mut sent_at = HashMap::new();
    let mut acks = Vec::new();
    let first_send = Instant::now();
    let mut pace = tokio::time::interval(PACE);
    for index in 0..messages {
        pace.tick().await;
        let started = Instant::now();
        sent_at.insert(index, started);
        send(&mut sender, json!({"action": "sendMessage", "room": "lobby", "client_id": format!("b{index}"), "text": format!("bench {index}")})).await?;
        next_of(&mut sender, "ack").await?;
        acks.push(started.elapsed());
    }
    let mut latencies = Vec::new();
    let mut last_arrival = first_send;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while latencies.len() < receivers * messages {
        match tokio::time::timeout_at(deadline, arrived.recv()).await {
            Ok(Some((index, at))) => {
                latencies.push(at - sent_at[&index]);
                last_arrival = last_arrival.max(at);
            }
            _ => break,
        }
    }
    report("sendMessage -> ack (sender)", acks);
    report(&format!("sendMessage -> message at each of {receivers}"), latencies.clone());
    let span = (last_arrival - first_send).as_secs_f64();
    println!(
        "{} of {} deliveries in {:.2} s: {:.0} deliveries/s",
        latencies.len(),
        receivers * messages,
        span,
        latencies.len() as f64 / span
    );
    Ok(())
}
