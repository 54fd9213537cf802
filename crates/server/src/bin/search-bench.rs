//! Search benchmark (issue 17): the time of `GET /api/search` on a room of
//! 100,000 messages, measured over HTTP by a client in another process.
//!
//! cargo build -p moodchat-server --profile server --bin search-bench
//! $CARGO_TARGET_DIR/server/search-bench [--messages 100000] [--runs 30]
//!
//! The bench fills a fresh SQLite database through the real store (the
//! lobby gets `--messages` messages of Korean and English chat; another
//! room the searcher is not in gets a fifth as many, which the index holds
//! too and must skip), then starts itself again as the server process (the
//! real chat API, real JWT verification, the search rate limit lifted) and
//! times each query from here: first page (20 results), sequentially.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use moodchat_core::ids::UlidGenerator;
use moodchat_core::rate_limit::RateLimits;
use moodchat_core::{IdGenerator, MessageStore, SystemClock};
use moodchat_protocol::{Message, Room, RoomKind, UserRef};
use moodchat_server::chat::{self, ChatConfig, ChatState, JwksVerifier, SqliteStore, DATABASE_FILE};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::json;

const ISSUER: &str = "http://127.0.0.1/bench_pool";
const AUDIENCE: &str = "bench-client";
const KID: &str = "bench";

/// The queries, and what they exercise.
const QUERIES: [(&str, &str); 7] = [
    ("회의실", "3 characters, 1 message in 100 (index)"),
    ("회의", "2 characters, 1 in 100 (LIKE over the index's text)"),
    ("분기결산", "one message, 95% of the way back (index)"),
    ("meeting", "English, 1 in 50 (index)"),
    ("ok", "2 ASCII characters, 1 in 10 (LIKE)"),
    ("없음", "2 characters, no message (LIKE reads everything)"),
    ("존재하지않는말", "no message (index)"),
];

const KOREAN: [&str; 12] = [
    "오늘 점심 뭐 먹을까", "퇴근하고 한잔 어때", "주말에 비 온대", "그 영화 진짜 재밌더라", "내일 아침에 연락할게",
    "고마워 덕분에 살았다", "배고파 죽겠어", "지하철 또 늦는대", "사진 보내줘", "이번 주 너무 길다",
    "커피 한 잔 할 사람", "다음 달 여행 계획 짜자",
];
const ENGLISH: [&str; 10] = [
    "see you tomorrow", "that was hilarious", "running a bit late", "can you send the file", "lunch at noon?",
    "great job everyone", "the build is green again", "who is coming tonight", "weather is awful today", "thanks a lot",
];

fn text_of(n: usize, total: usize) -> String {
    let mut text = if n.is_multiple_of(3) { ENGLISH[n % ENGLISH.len()].to_string() } else { KOREAN[n % KOREAN.len()].to_string() };
    if n % 100 == 7 {
        text.push_str(" 그리고 3시에 회의실 잡아둠");
    }
    if n % 50 == 11 {
        text.push_str(" (team meeting notes attached)");
    }
    if n % 10 == 3 {
        text.push_str(" ok");
    }
    if n == total / 20 {
        text.push_str(" 분기결산 자료는 공유폴더에");
    }
    text
}

fn token(key: &EncodingKey, username: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let claims = json!({"sub": format!("sub-{username}"), "aud": AUDIENCE, "iss": ISSUER, "token_use": "id",
        "cognito:username": username, "iat": now, "exp": now + 3600});
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KID.into());
    jsonwebtoken::encode(&header, &claims, key).expect("signing works")
}

fn jwks(key: &rsa::RsaPrivateKey) -> String {
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    json!({"keys": [{"kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256", "n": n, "e": e}]}).to_string()
}

/// Writes `count` messages to `room` through the store, 1,000 per
/// transaction, as `sender`.
async fn fill(store: &SqliteStore, ids: &UlidGenerator<SystemClock>, room: &str, sender: &str, count: usize) -> anyhow::Result<()> {
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as i64 - 86_400_000;
    for batch in (0..count).collect::<Vec<_>>().chunks(1000) {
        let messages: Vec<Message> = batch
            .iter()
            .map(|&n| Message {
                id: ids.next_id(),
                room: room.into(),
                sender: UserRef { sub: format!("sub-{sender}"), name: sender.into() },
                text: text_of(n, count),
                created_at: start + n as i64,
                client_id: format!("{room}-{n}"),
                ..Message::default()
            })
            .collect();
        store.append_batch(&messages).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    Ok(())
}

/// The server process: the chat API on the prepared data directory,
/// printing its address on stdout.
async fn serve(data_dir: &std::path::Path, jwks: &str) -> anyhow::Result<()> {
    let verifier = Arc::new(JwksVerifier::from_jwks_json(jwks, ISSUER, AUDIENCE)?);
    let searches = RateLimits::burst_then(1_000_000, 1_000_000);
    let state = ChatState::open(data_dir, verifier, ChatConfig { searches, ..ChatConfig::default() })?;
    let app: Router = Router::new().nest("/api", chat::router(state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        let jwks = std::fs::read_to_string(std::path::Path::new(&args[2]).join("jwks.json"))?;
        return serve(std::path::Path::new(&args[2]), &jwks).await;
    }
    let option = |name: &str, default: usize| -> anyhow::Result<usize> {
        match args.iter().position(|a| a == name) {
            Some(at) => args.get(at + 1).with_context(|| format!("{name} needs a value"))?.parse().context(name.to_string()),
            None => Ok(default),
        }
    };
    let (total, runs) = (option("--messages", 100_000)?, option("--runs", 30)?);

    let dir = TempDir(std::env::temp_dir().join(format!("moodchat-search-bench-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(dir.path());
    std::fs::create_dir_all(dir.path())?;
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)?;
    std::fs::write(dir.path().join("jwks.json"), jwks(&key))?;
    let encoding = EncodingKey::from_rsa_der(key.to_pkcs1_der()?.as_bytes());

    let filling = Instant::now();
    {
        let store = SqliteStore::open(&dir.path().join(DATABASE_FILE))?;
        let ids = UlidGenerator::new(SystemClock);
        let searcher = moodchat_core::Identity { sub: "sub-alice".into(), username: "alice".into(), name: "alice".into(), email: None };
        let other = moodchat_core::Identity { sub: "sub-bob".into(), username: "bob".into(), name: "bob".into(), email: None };
        for who in [&searcher, &other] {
            store.upsert_user(who, 0).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
            store.add_member("lobby", &who.sub, 0).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        let private = Room { id: "private".into(), name: "private".into(), kind: RoomKind::Public };
        store.create_room(&private, &other.sub, 0).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        fill(&store, &ids, "lobby", "alice", total).await?;
        fill(&store, &ids, "private", "bob", total / 5).await?;
    }
    eprintln!("filled {} + {} messages in {:.1} s", total, total / 5, filling.elapsed().as_secs_f64());

    let mut server = Command::new(std::env::current_exe()?)
        .arg("--serve")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(server.stdout.take().context("server stdout")?), &mut line)?;
    let _server = KillOnDrop(server);
    let base = format!("http://{}/api", line.trim());

    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let bearer = format!("Bearer {}", token(&encoding, "alice"));
    println!("search on a room of {total} messages ({runs} runs each, first page of 20, over HTTP from another process)");
    println!("| query | what | hits | median ms | p95 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    for (query, what) in QUERIES {
        let url = reqwest::Url::parse_with_params(&format!("{base}/search"), &[("q", query)])?;
        let mut times = Vec::with_capacity(runs);
        let mut hits = 0;
        for run in 0..=runs {
            let started = Instant::now();
            let response = http.get(url.clone()).header("Authorization", &bearer).send().await?;
            let status = response.status();
            let body: serde_json::Value = response.json().await?;
            let elapsed = started.elapsed();
            anyhow::ensure!(status == 200, "{query}: {status} {body}");
            hits = body["hits"].as_array().map_or(0, Vec::len);
            let private = body["hits"].as_array().into_iter().flatten().any(|hit| hit["message"]["room"] != "lobby");
            anyhow::ensure!(!private, "{query}: a message of a room the searcher is not in");
            // The first run warms the page cache and the statement cache.
            if run > 0 {
                times.push(elapsed);
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
        println!("| `{query}` | {what} | {hits} | {:.1} | {:.1} | {:.1} |", ms(times[times.len() / 2]), ms(p95), ms(times[times.len() - 1]));
    }
    Ok(())
}
