//! The WebSocket half of the soak (tests/soak.rs has the HTTP half): 20
//! WebSockets join the lobby and never read, while ten writers send 5,000
//! messages, more than a connection may have queued (4,096).
//! A kicked slow consumer must be closed and its queue freed (issue 13,
//! item 6), so the server's memory must level off. Kept out of the test
//! command until that fix lands; run it by hand:
//!
//! ```sh
//! cargo build -p moodchat-server --bin moodchat
//! cargo run -p moodchat-server --example soak_websocket_slow_readers
//! ```
//!
//! Prints the server's resident memory as it goes; exits non-zero when the
//! high-water mark passes 400 MB.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_cognito_srp::{SrpClient, User as SrpUser};
use serde_json::{json, Value};

const READERS: usize = 20;
const WRITERS: usize = 10;
/// Per writer; REST sends are limited to 10 a second per user.
const MESSAGES: usize = 500;
const LIMIT_KIB: u64 = 400 * 1024;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let binary = std::env::var("MOODCHAT_BIN").unwrap_or_else(|_| {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
        format!("{target}/debug/moodchat")
    });
    let data = tempfile::tempdir()?;
    let mut child = Command::new(binary)
        .args(["serve", "--addr", "127.0.0.1:0", "--auto-confirm", "--sign-up-rate", "100/min", "--data-dir"])
        .arg(data.path())
        .args(["--dist-dir", "/nonexistent"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let line = BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap()?;
    let addr = line.trim_start_matches("moodchat listening on http://").trim().to_owned();
    let http = reqwest::Client::new();
    let token = account(&http, &addr, "reader").await?;

    let mut readers = Vec::new();
    for _ in 0..READERS {
        let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/api/ws?token={token}")).await?;
        futures_util::SinkExt::send(&mut socket, tokio_tungstenite::tungstenite::Message::text(r#"{"action":"join","room":"lobby"}"#)).await?;
        readers.push(socket); // never read again
    }
    let started = Instant::now();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (http, addr) = (http.clone(), addr.clone());
        let token = account(&http, &addr, &format!("writer{w}")).await?;
        writers.push(tokio::spawn(async move {
            let mut acked = 0;
            for n in 0..MESSAGES {
                let body = json!({"client_id": format!("w{w}-{n}"), "text": "x".repeat(2000)});
                let sent = http.post(format!("http://{addr}/api/rooms/lobby/messages")).header("Authorization", &token).json(&body).send().await;
                match sent.map(|answer| answer.status().as_u16()) {
                    Ok(200 | 201) => acked += 1,
                    _ => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
            acked
        }));
    }
    let mut high_water = 0;
    while !writers.iter().all(|writer| writer.is_finished()) {
        let (rss, hwm) = memory_kib(child.id());
        high_water = hwm;
        println!("{:>5.1} s: RSS {rss} KiB, high-water {hwm} KiB", started.elapsed().as_secs_f64());
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let mut acked = 0;
    for writer in writers {
        acked += writer.await?;
    }
    drop(readers);
    let _ = child.kill();
    println!("{acked} acknowledged; high-water {high_water} KiB (limit {LIMIT_KIB})");
    anyhow::ensure!(high_water < LIMIT_KIB, "memory grew without bound");
    Ok(())
}

async fn account(http: &reqwest::Client, addr: &str, name: &str) -> anyhow::Result<String> {
    let cognito = |operation: &str, body: Value| {
        http.post(format!("http://{addr}/idp/"))
            .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
    };
    let (name, password) = (format!("{name}@example.com"), "Correct-h0rse");
    let name = name.as_str();
    cognito("SignUp", json!({"ClientId": "moodchat-web", "Username": name, "Password": password,
        "UserAttributes": [{"Name": "email", "Value": name}]})).await?;
    let client = SrpClient::new(SrpUser::new("local_moodchat", name, password), "moodchat-web", None);
    let auth = client.get_auth_parameters();
    let challenge: Value = cognito("InitiateAuth", json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": "moodchat-web",
        "AuthParameters": {"USERNAME": auth.username, "SRP_A": auth.a}})).await?.json().await?;
    let param = |name: &str| challenge["ChallengeParameters"][name].as_str().unwrap_or_default().to_owned();
    let proof = client.verify(&param("SECRET_BLOCK"), &param("USER_ID_FOR_SRP"), &param("SALT"), &param("SRP_B"))?;
    let answer: Value = cognito("RespondToAuthChallenge", json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": "moodchat-web",
        "ChallengeResponses": {"USERNAME": param("USER_ID_FOR_SRP"), "PASSWORD_CLAIM_SECRET_BLOCK": proof.password_claim_secret_block,
        "PASSWORD_CLAIM_SIGNATURE": proof.password_claim_signature, "TIMESTAMP": proof.timestamp}})).await?.json().await?;
    Ok(answer["AuthenticationResult"]["IdToken"].as_str().unwrap_or_default().to_owned())
}

fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).and_then(|r| r.split_whitespace().next()?.parse().ok()).unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
