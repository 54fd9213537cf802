//! Shared fixtures of the chat integration tests: a real server on
//! 127.0.0.1:0 with a temporary data directory, id tokens signed by a test
//! RSA key (the JWKS the server trusts), and small REST and WebSocket clients
//! that wait for conditions with deadlines instead of sleeping.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::http::Uri;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use moodchat_protocol::{ErrorCode, ServerEvent};
use moodchat_server::chat::{self, ChatConfig, ChatState, JwksVerifier};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const ISSUER: &str = "http://127.0.0.1/local_moodchat";
pub const CLIENT_ID: &str = "moodchat-web";
pub const KID: &str = "test-key-1";
pub const SIGNING_KEY: &str = include_str!("signing_key.pem");
/// A key the server does not trust, to forge signatures with.
pub const OTHER_KEY: &str = include_str!("other_key.pem");
/// How long any awaited event may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

pub fn jwks() -> String {
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(SIGNING_KEY).expect("test key parses");
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    json!({"keys": [{"kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256", "n": n, "e": e}]}).to_string()
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// The claims of a valid id token for `username`, as Cognito issues them.
pub fn id_claims(username: &str) -> Value {
    let now = now_secs();
    json!({
        "sub": format!("sub-{username}"),
        "aud": CLIENT_ID,
        "iss": ISSUER,
        "token_use": "id",
        "cognito:username": username,
        // Accounts made by the app always have a name (sign-up asks for it).
        "name": username,
        "email": format!("{username}@example.com"),
        "email_verified": true,
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "jti": format!("jti-{username}-{now}"),
    })
}

pub fn sign(claims: &Value, pem: &str, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap()).unwrap()
}

pub fn token(username: &str) -> String {
    sign(&id_claims(username), SIGNING_KEY, KID)
}

/// A chat server running on its own runtime, so that stopping it tears down
/// every connection and task, like the process exiting.
pub struct TestServer {
    pub addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestServer {
    pub async fn start(data_dir: &Path) -> TestServer {
        Self::start_with(data_dir, ChatConfig::default()).await
    }

    pub async fn start_with(data_dir: &Path, config: ChatConfig) -> TestServer {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let data_dir = data_dir.to_path_buf();
        let addr = runtime
            .spawn(async move {
                let verifier = Arc::new(JwksVerifier::from_jwks_json(&jwks(), ISSUER, CLIENT_ID).unwrap());
                let state = ChatState::open(&data_dir, verifier, config).unwrap();
                let app: Router = Router::new().nest("/api", chat::router(state).fallback(unknown_path));
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
                addr
            })
            .await
            .unwrap();
        TestServer { addr, runtime: Some(runtime) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server abruptly: every task and socket goes away.
    pub fn stop(mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn unknown_path(uri: Uri) -> chat::http::ChatError {
    chat::http::ChatError::Api(moodchat_core::error::not_found(format!("no API endpoint at {}", uri.path())))
}

/// REST calls as one user.
pub struct Rest {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Rest {
    pub fn new(server: &TestServer, username: &str) -> Rest {
        Rest::with_token(server, token(username))
    }

    pub fn with_token(server: &TestServer, token: String) -> Rest {
        Rest { http: reqwest::Client::new(), base: server.url("/api"), token }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(format!("{}{path}", self.base)).header("Authorization", &self.token).send().await.unwrap();
        read(response).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .json(&body)
            .send()
            .await
            .unwrap();
        read(response).await
    }
}

impl Rest {
    /// Any method, with a JSON body or none.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token));
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }
}

pub async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, body)
}

/// Asserts a REST error: status and documented code.
pub fn assert_error(answer: &(u16, Value), status: u16, code: &str) {
    assert_eq!(answer.0, status, "status of {:?}", answer.1);
    assert_eq!(answer.1["code"], code, "code of {:?}", answer.1);
    assert!(answer.1["message"].as_str().is_some_and(|m| !m.is_empty()), "message of {:?}", answer.1);
}

/// A WebSocket client.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What the server said next, besides JSON events.
#[derive(Debug)]
pub enum Next {
    Event(Box<ServerEvent>),
    Closed(Option<CloseFrame>),
}

impl WsClient {
    pub async fn connect(server: &TestServer, username: &str) -> WsClient {
        Self::connect_with_token(server, &token(username)).await.expect("WebSocket connects")
    }

    pub async fn connect_with_token(server: &TestServer, token: &str) -> Result<WsClient, tokio_tungstenite::tungstenite::Error> {
        Self::connect_to(server.addr, token).await
    }

    /// A WebSocket to any server on `addr` (a `whole_server` one too).
    pub async fn connect_to(addr: SocketAddr, token: &str) -> Result<WsClient, tokio_tungstenite::tungstenite::Error> {
        let url = format!("ws://{addr}/api/ws?token={token}");
        let (stream, _) = tokio_tungstenite::connect_async(url).await?;
        Ok(WsClient { stream })
    }

    pub async fn send(&mut self, frame: Value) {
        self.send_text(frame.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.stream.send(WsMessage::Text(text.into())).await.unwrap();
    }

    /// The next event or close, failing the test after the deadline.
    pub async fn next(&mut self) -> Next {
        tokio::time::timeout(DEADLINE, async {
            loop {
                match self.stream.next().await {
                    Some(Ok(WsMessage::Text(text))) => {
                        return Next::Event(Box::new(serde_json::from_str(text.as_str()).expect("events are protocol JSON")))
                    }
                    Some(Ok(WsMessage::Close(frame))) => return Next::Closed(frame),
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return Next::Closed(None),
                }
            }
        })
        .await
        .expect("an event before the deadline")
    }

    /// Skips events until one matches, failing the test after the deadline.
    pub async fn wait_for(&mut self, mut wanted: impl FnMut(&ServerEvent) -> bool) -> ServerEvent {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let next = tokio::time::timeout_at(deadline, self.next()).await.expect("the expected event before the deadline");
            match next {
                Next::Event(event) if wanted(&event) => return *event,
                Next::Event(_) => continue,
                Next::Closed(frame) => panic!("connection closed ({frame:?}) while waiting"),
            }
        }
    }

    /// Joins and waits for `joined`, returning the backfilled messages.
    pub async fn join(&mut self, room: &str, since: Option<&str>) -> Vec<moodchat_protocol::Message> {
        let mut frame = json!({"action": "join", "room": room});
        if let Some(since) = since {
            frame["since"] = json!(since);
        }
        self.send(frame).await;
        let mut backfill = Vec::new();
        loop {
            match self.wait_for(|e| matches!(e, ServerEvent::Message { .. } | ServerEvent::Joined { .. } | ServerEvent::Error { .. })).await {
                ServerEvent::Message { message } => backfill.push(message),
                ServerEvent::Joined { .. } => return backfill,
                other => panic!("join failed: {other:?}"),
            }
        }
    }

    /// Sends a message and waits for its ack; returns the message id.
    pub async fn say(&mut self, room: &str, client_id: &str, text: &str) -> String {
        self.send(json!({"action": "sendMessage", "room": room, "client_id": client_id, "text": text})).await;
        let client = client_id.to_string();
        match self
            .wait_for(|e| match e {
                ServerEvent::Ack { client_id, .. } | ServerEvent::Error { client_id: Some(client_id), .. } => *client_id == client,
                _ => false,
            })
            .await
        {
            ServerEvent::Ack { id, .. } => id,
            other => panic!("send failed: {other:?}"),
        }
    }

    /// Waits for the next chat message event.
    pub async fn next_message(&mut self) -> moodchat_protocol::Message {
        match self.wait_for(|e| matches!(e, ServerEvent::Message { .. })).await {
            ServerEvent::Message { message } => message,
            _ => unreachable!(),
        }
    }

    /// Waits for an error event and returns its code.
    pub async fn expect_error(&mut self) -> (ErrorCode, Option<String>) {
        match self.wait_for(|e| matches!(e, ServerEvent::Error { .. })).await {
            ServerEvent::Error { code, client_id, .. } => (code, client_id),
            _ => unreachable!(),
        }
    }

    /// Proves the connection is still up and in order: ping, then pong.
    pub async fn assert_alive(&mut self) {
        self.send(json!({"action": "ping"})).await;
        self.wait_for(|e| matches!(e, ServerEvent::Pong)).await;
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// The usual opening of a conversation test: alice and bob connected over
/// WebSockets and joined to the lobby.
pub async fn alice_and_bob_in_the_lobby(server: &TestServer) -> (WsClient, WsClient) {
    let mut alice = WsClient::connect(server, "alice").await;
    let mut bob = WsClient::connect(server, "bob").await;
    alice.join("lobby", None).await;
    bob.join("lobby", None).await;
    (alice, bob)
}
