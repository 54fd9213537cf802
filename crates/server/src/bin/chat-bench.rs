//! Chat backend benchmark, measured from outside: this process is only the
//! load. It starts the real `moodchat serve` binary as a child process (its
//! own runtime, its own threads), connects N WebSocket clients to it over
//! loopback, has every client send at a steady rate for a few seconds, and
//! prints delivered messages per second and send-to-receive latency.
//!
//! cargo build -p moodchat-server --profile server --bin moodchat --bin chat-bench
//! $CARGO_TARGET_DIR/server/chat-bench --server $CARGO_TARGET_DIR/server/moodchat [--seconds 5] [--rate 2]
//!
//! Tokens: the bench writes the identity provider's signing key into the
//! server's fresh data directory before starting it, so the server trusts the
//! id tokens the bench signs (issuer and `kid` are read back from the server).
//! Any build of `moodchat` can be measured this way, older ones too.
//!
//! Scenarios: 1 room x 200 clients and 50 rooms x 20 clients, each against a
//! fresh server. Each message carries its send time; each receiver (including
//! the sender's own echo) records now - send time, on this process's clock.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use moodchat_protocol::ServerEvent;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::json;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Where `moodchat serve` keeps its identity provider's key, and the pool
/// and app client its tokens name (crates/server/src/runtime_config.rs).
const IDP_KEY_FILE: &str = "idp/idp-signing-key.pem";
const POOL_ID: &str = "local_moodchat";
const AUDIENCE: &str = "moodchat-web";

static START: OnceLock<Instant> = OnceLock::new();

fn micros_since_start() -> u64 {
    START.get_or_init(Instant::now).elapsed().as_micros() as u64
}

struct Options {
    /// The `moodchat` binary to measure.
    server: PathBuf,
    seconds: u64,
    /// Messages per second each client sends.
    rate: f64,
}

fn parse_options() -> anyhow::Result<Options> {
    let mut options = Options { server: PathBuf::new(), seconds: 5, rate: 2.0 };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().with_context(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--server" => options.server = value.into(),
            "--seconds" => options.seconds = value.parse()?,
            "--rate" => options.rate = value.parse()?,
            other => anyhow::bail!("unknown option {other}; use --server PATH --seconds N --rate R"),
        }
    }
    anyhow::ensure!(options.server.is_file(), "--server must name the moodchat binary to measure");
    // The server's per-connection frame limit is 10/s (burst 20).
    anyhow::ensure!(options.rate <= 5.0, "--rate above 5 msg/s per client runs into the frame rate limit");
    Ok(options)
}

/// The RS256 key the server's identity provider will sign with, and so
/// trust; the bench signs its clients' tokens with it.
struct Signer {
    key: EncodingKey,
    pkcs8_pem: String,
}

/// What the running server expects in a token.
struct Audience {
    issuer: String,
    kid: String,
}

impl Signer {
    fn new() -> anyhow::Result<Self> {
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)?;
        let der = private.to_pkcs1_der()?;
        let pkcs8_pem = private.to_pkcs8_pem(LineEnding::LF)?.to_string();
        Ok(Self { key: EncodingKey::from_rsa_der(der.as_bytes()), pkcs8_pem })
    }

    fn token(&self, audience: &Audience, username: &str) -> String {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let claims = json!({"sub": format!("sub-{username}"), "aud": AUDIENCE, "iss": audience.issuer, "token_use": "id",
            "cognito:username": username, "name": username, "iat": now, "exp": now + 3600});
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(audience.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.key).expect("signing works")
    }
}

/// What one client saw.
#[derive(Default)]
struct ClientReport {
    sent: u64,
    latencies_us: Vec<u64>,
}

/// The server under test, killed when dropped.
struct Server {
    child: Child,
    addr: std::net::SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `moodchat serve` on a fresh data directory holding the bench's
/// signing key, and waits for its "listening on" line.
fn start_server(binary: &Path, signer: &Signer, data_dir: &Path) -> anyhow::Result<Server> {
    let key_file = data_dir.join(IDP_KEY_FILE);
    std::fs::create_dir_all(key_file.parent().context("key directory")?)?;
    std::fs::write(&key_file, &signer.pkcs8_pem)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600))?;
    }
    let dist_dir = data_dir.join("no-spa");
    std::fs::create_dir_all(&dist_dir)?;
    let mut child = Command::new(binary)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .arg("--dist-dir")
        .arg(&dist_dir)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let mut lines = BufReader::new(child.stdout.take().context("no stdout")?).lines();
    let line = lines.next().context("the server exited before listening")??;
    let addr = line
        .strip_prefix("moodchat listening on http://")
        .with_context(|| format!("unexpected first line: {line}"))?
        .trim()
        .parse()?;
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Ok(Server { child, addr })
}

/// The issuer and key id the server's identity provider publishes.
async fn audience_of(http: &reqwest::Client, addr: std::net::SocketAddr) -> anyhow::Result<Audience> {
    let issuer = format!("http://{addr}/idp/{POOL_ID}");
    let jwks: serde_json::Value = http.get(format!("{issuer}/.well-known/jwks.json")).send().await?.json().await?;
    let kid = jwks["keys"][0]["kid"].as_str().context("no kid in the server's JWKS")?.to_owned();
    Ok(Audience { issuer, kid })
}

#[allow(clippy::too_many_arguments)]
async fn run_client(
    addr: std::net::SocketAddr,
    token: String,
    room: String,
    name: String,
    rate: f64,
    joined: tokio::sync::mpsc::Sender<()>,
    mut go: watch::Receiver<bool>,
    mut stop_sending: watch::Receiver<bool>,
    mut stop_receiving: watch::Receiver<bool>,
) -> anyhow::Result<ClientReport> {
    let (stream, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/api/ws?token={token}")).await?;
    let (mut sink, mut source) = stream.split();
    sink.send(WsMessage::Text(json!({"action": "join", "room": room}).to_string().into())).await?;
    while let Some(frame) = source.next().await {
        if let WsMessage::Text(text) = frame? {
            if matches!(serde_json::from_str(text.as_str())?, ServerEvent::Joined { .. }) {
                break;
            }
        }
    }
    joined.send(()).await.ok();
    go.wait_for(|go| *go).await?;

    let sender = async move {
        let mut report_sent = 0u64;
        let period = Duration::from_secs_f64(1.0 / rate);
        // Spread clients over the period so sends do not arrive in lockstep.
        let phase = Duration::from_secs_f64(period.as_secs_f64() * (fastrand_like(&name) % 1000) as f64 / 1000.0);
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + phase, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop_sending.wait_for(|stop| *stop) => break,
            }
            let frame = json!({"action": "sendMessage", "room": room, "client_id": format!("{name}-{report_sent}"),
                "text": format!("t:{}", micros_since_start())});
            if sink.send(WsMessage::Text(frame.to_string().into())).await.is_err() {
                break;
            }
            report_sent += 1;
        }
        (report_sent, sink)
    };
    let receiver = async move {
        let mut latencies = Vec::new();
        loop {
            let frame = tokio::select! {
                frame = source.next() => frame,
                _ = stop_receiving.wait_for(|stop| *stop) => break,
            };
            let Some(Ok(WsMessage::Text(text))) = frame else { break };
            if let Ok(ServerEvent::Message { message }) = serde_json::from_str::<ServerEvent>(text.as_str()) {
                if let Some(sent_at) = message.text.strip_prefix("t:").and_then(|t| t.parse::<u64>().ok()) {
                    latencies.push(micros_since_start().saturating_sub(sent_at));
                }
            }
        }
        latencies
    };
    let ((sent, _sink), latencies_us) = tokio::join!(sender, receiver);
    Ok(ClientReport { sent, latencies_us })
}

/// A cheap per-client spread value without a random number generator.
fn fastrand_like(name: &str) -> u64 {
    name.bytes().fold(1469598103934665603u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(1099511628211))
}

async fn scenario(signer: &Signer, rooms: usize, per_room: usize, options: &Options) -> anyhow::Result<()> {
    let data_dir = std::env::temp_dir().join(format!("moodchat-chat-bench-{}-{rooms}x{per_room}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let server = start_server(&options.server, signer, &data_dir)?;
    let addr = server.addr;
    let http = reqwest::Client::new();
    let audience = audience_of(&http, addr).await?;

    // Rooms are created over REST by their first member.
    let mut room_ids = Vec::new();
    for r in 0..rooms {
        let owner = signer.token(&audience, &format!("r{r}c0"));
        let room: serde_json::Value = http
            .post(format!("http://{addr}/api/rooms"))
            .header("Authorization", owner)
            .json(&json!({"name": format!("bench {r}")}))
            .send()
            .await?
            .json()
            .await?;
        room_ids.push(room["id"].as_str().context("room id")?.to_string());
    }

    let (go_tx, go_rx) = watch::channel(false);
    let (stop_send_tx, stop_send_rx) = watch::channel(false);
    let (stop_recv_tx, stop_recv_rx) = watch::channel(false);
    let (joined_tx, mut joined_rx) = tokio::sync::mpsc::channel(rooms * per_room);
    let mut clients = Vec::new();
    for (r, room) in room_ids.iter().enumerate() {
        for c in 0..per_room {
            let name = format!("r{r}c{c}");
            clients.push(tokio::spawn(run_client(
                addr,
                signer.token(&audience, &name),
                room.clone(),
                name,
                options.rate,
                joined_tx.clone(),
                go_rx.clone(),
                stop_send_rx.clone(),
                stop_recv_rx.clone(),
            )));
        }
    }
    for _ in 0..rooms * per_room {
        tokio::time::timeout(Duration::from_secs(60), joined_rx.recv()).await?.context("a client failed to join")?;
    }
    // Let the coalesced presence broadcasts of the joins settle.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let started = Instant::now();
    go_tx.send(true)?;
    tokio::time::sleep(Duration::from_secs(options.seconds)).await;
    stop_send_tx.send(true)?;
    let sending = started.elapsed();
    // Drain: everything sent must arrive; give it a bounded grace period.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop_recv_tx.send(true)?;

    let mut sent = 0u64;
    let mut latencies = Vec::new();
    for client in clients {
        let report = client.await??;
        sent += report.sent;
        latencies.extend(report.latencies_us);
    }
    latencies.sort_unstable();
    let delivered = latencies.len() as u64;
    let expected = sent * per_room as u64;
    let percentile = |p: f64| latencies.get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1))).copied().unwrap_or(0);
    println!(
        "{rooms:>2} room(s) x {per_room:>3} clients: sent {sent} msgs in {:.1} s ({:.0} msg/s), delivered {delivered}/{expected} \
         ({:.0} deliveries/s), latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        sending.as_secs_f64(),
        sent as f64 / sending.as_secs_f64(),
        delivered as f64 / sending.as_secs_f64(),
        percentile(0.50) as f64 / 1000.0,
        percentile(0.99) as f64 / 1000.0,
        latencies.last().copied().unwrap_or(0) as f64 / 1000.0,
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = parse_options()?;
    START.get_or_init(Instant::now);
    let signer = Signer::new()?;
    println!(
        "chat-bench: load from this process against {}, {} s of sending, {} msg/s per client, {} cores",
        options.server.display(),
        options.seconds,
        options.rate,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    scenario(&signer, 1, 200, &options).await?;
    scenario(&signer, 50, 20, &options).await?;
    Ok(())
}
