//! The REST router run the way an HTTP Lambda runs it: several instances of
//! it, each with its own `ChatService`, sharing nothing but the store, the
//! connection registry and the rate limiter (the in-memory adapters here,
//! DynamoDB on AWS). No embedded server, no hub task: requests go straight
//! into the router, as lambda_http hands them over.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use moodchat_core::memory::{InMemoryHub, InMemoryStore, ThreadSpawner};
use moodchat_core::rate_limit::{LocalRateLimiter, Rate, RateLimiter, RateLimits};
use moodchat_core::ChatService;
use moodchat_http_api::ApiState;
use moodchat_jwks::JwksVerifier;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use tower::ServiceExt;

const ISSUER: &str = "http://127.0.0.1/local_moodchat";
const CLIENT_ID: &str = "moodchat-web";
const KID: &str = "test-key-1";
/// The server tests' signing key (a test key, never used elsewhere).
const SIGNING_KEY: &str = include_str!("../../server/tests/chat_support/signing_key.pem");

fn jwks() -> String {
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(SIGNING_KEY).expect("test key parses");
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    json!({"keys": [{"kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256", "n": n, "e": e}]}).to_string()
}

fn token(username: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let claims = json!({
        "sub": format!("sub-{username}"), "aud": CLIENT_ID, "iss": ISSUER, "token_use": "id",
        "cognito:username": username, "email": format!("{username}@example.com"),
        "iat": now, "exp": now + 3600,
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KID.into());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_pem(SIGNING_KEY.as_bytes()).unwrap()).unwrap()
}

/// What every instance shares.
struct Shared {
    store: Arc<InMemoryStore>,
    hub: Arc<InMemoryHub>,
    limiter: Arc<dyn RateLimiter>,
}

impl Shared {
    fn new(limits: RateLimits) -> Self {
        Self {
            store: Arc::new(InMemoryStore::default()),
            hub: Arc::new(InMemoryHub::default()),
            limiter: Arc::new(LocalRateLimiter::new(limits)),
        }
    }

    /// A fresh instance: its own service (and caches), its own verifier.
    fn instance(&self) -> Router {
        let service = ChatService::builder(self.store.clone(), self.hub.clone(), self.hub.clone(), Arc::new(ThreadSpawner))
            .rate_limiter(self.limiter.clone())
            .build();
        let verifier = JwksVerifier::from_jwks_json(&jwks(), ISSUER, CLIENT_ID).unwrap();
        moodchat_http_api::router(ApiState::new(Arc::new(service), Arc::new(verifier)))
    }
}

/// One request: status, Retry-After, JSON body.
async fn call(router: &Router, method: &str, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Option<String>, Value) {
    let request = Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    let request = match body {
        Some(body) => request.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let retry_after = response.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let json = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
    (status, retry_after, json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_sent_through_one_instance_is_read_through_another() {
    let shared = Shared::new(RateLimits::default());
    let (one, two) = (shared.instance(), shared.instance());
    let ada = token("ada");
    let send = json!({"client_id": "c-1", "text": "hello from one"});
    let (status, _, sent) = call(&one, "POST", "/rooms/lobby/messages", &ada, Some(send.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    // A retry landing on the other instance is recognised by its client_id.
    let (status, _, again) = call(&two, "POST", "/rooms/lobby/messages", &ada, Some(send)).await;
    assert_eq!((status, &again["id"]), (StatusCode::OK, &sent["id"]), "{again}");

    let (status, _, page) = call(&two, "GET", "/rooms/lobby/messages", &token("bo"), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let texts: Vec<&str> = page["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["hello from one"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_send_limit_holds_across_instances() {
    // Three sends an hour, counted by the shared limiter.
    let sends = Rate::per(3, Duration::from_secs(3600));
    let shared = Shared::new(RateLimits { sends, ..RateLimits::default() });
    let instances = [shared.instance(), shared.instance(), shared.instance()];
    let ada = token("ada");
    for (n, instance) in instances.iter().enumerate() {
        let body = json!({"client_id": format!("c-{n}"), "text": format!("m{n}")});
        let (status, _, sent) = call(instance, "POST", "/rooms/lobby/messages", &ada, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "send {n} on instance {n}: {sent}");
    }
    let body = json!({"client_id": "c-late", "text": "one too many"});
    let (status, retry_after, refused) = call(&instances[0], "POST", "/rooms/lobby/messages", &ada, Some(body)).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")), "{refused}");
    let retry_after: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!(retry_after > 1000, "about twenty minutes: {retry_after}");
    // Another user is not affected.
    let bo_send = json!({"client_id": "b", "text": "hi"});
    let (status, _, _) = call(&instances[1], "POST", "/rooms/lobby/messages", &token("bo"), Some(bo_send)).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_and_bodies_get_the_protocols_errors() {
    let shared = Shared::new(RateLimits::default());
    let api = shared.instance();
    let (status, _, body) = call(&api, "GET", "/rooms", "not.a.jwt", None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")), "{body}");
    let (status, _, body) = call(&api, "POST", "/rooms", &token("ada"), Some(json!({"nom": "x"}))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{body}");
}
