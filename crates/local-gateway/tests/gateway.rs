//! The gateway running the real infra/template.yaml, with its own test
//! functions (real lambda_runtime / lambda_http binaries) in place of
//! moodchat's handlers: what API Gateway and Lambda do for a WebSocket
//! client, the management API through the real SDK client, the HTTP API
//! behind the JWT authorizer with a token from the real identity provider.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_cognito_srp::{SrpClient, User as SrpUser};
use futures_util::{SinkExt, StreamExt};
use moodchat_local_gateway::server::{start, Gateway, GatewayOptions};
use moodchat_local_gateway::template::LocalNames;
use moodchat_local_gateway::websocket::Limits;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{self, Message};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const FUNCTION: &str = env!("CARGO_BIN_EXE_gateway-test-function");
const HTTP_FUNCTION: &str = env!("CARGO_BIN_EXE_gateway-test-http");

async fn gateway(limits: Limits) -> (Gateway, tempfile::TempDir) {
    gateway_serving(limits, None).await
}

async fn gateway_serving(limits: Limits, dist: Option<PathBuf>) -> (Gateway, tempfile::TempDir) {
    gateway_with(limits, dist, 4).await
}

async fn gateway_with(limits: Limits, dist: Option<PathBuf>, max_instances: usize) -> (Gateway, tempfile::TempDir) {
    let repo = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())).join("../..");
    let data = tempfile::tempdir().unwrap();
    let mut overrides = HashMap::new();
    for function in ["WsAuthorizerFunction", "WsConnectFunction", "WsDisconnectFunction", "WsDefaultFunction", "ImagePipelineFunction"] {
        overrides.insert(function.to_owned(), PathBuf::from(FUNCTION));
    }
    overrides.insert("HttpApiFunction".to_owned(), PathBuf::from(HTTP_FUNCTION));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway = start(
        listener,
        GatewayOptions {
            template: repo.join("infra/template.yaml"),
            parameters: HashMap::new(),
            names: LocalNames::default(),
            binary_dir: data.path().join("no-binaries"),
            binary_overrides: overrides,
            max_instances,
            limits,
            dist,
            idp_data_dir: data.path().join("idp"),
            auto_confirm: true,
            dynamodb_endpoint: None,
            moto_endpoint: None,
            provision: false,
        },
    )
    .await
    .unwrap();
    (gateway, data)
}

fn ws_url(gateway: &Gateway, query: &str) -> String {
    format!("{}/prod?{query}", gateway.url.replace("http://", "ws://"))
}

async fn connect(gateway: &Gateway, query: &str) -> Result<Socket, u16> {
    match tokio_tungstenite::connect_async(ws_url(gateway, query)).await {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

/// The next text frame as JSON, within a deadline.
async fn next_json(socket: &mut Socket) -> Value {
    let deadline = Duration::from_secs(20);
    loop {
        match tokio::time::timeout(deadline, socket.next()).await.expect("a frame in time") {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Message::Text(frame.to_string().into())).await.unwrap();
}

/// The close code the server sends, within a deadline.
async fn close_code(socket: &mut Socket) -> u16 {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), socket.next()).await.expect("a close in time") {
            Some(Ok(Message::Close(Some(frame)))) => return frame.code.into(),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn connect_runs_the_authorizer_and_the_connect_route() {
    let (gateway, _data) = gateway(Limits::default()).await;
    assert_eq!(connect(&gateway, "").await.err(), Some(401), "no identity source: 401 without calling the authorizer");
    assert_eq!(connect(&gateway, "token=bad").await.err(), Some(401), "the authorizer's Unauthorized");
    assert_eq!(connect(&gateway, "token=deny").await.err(), Some(403), "a Deny policy");
    assert_eq!(connect(&gateway, "token=good&refuse=1").await.err(), Some(403), "$connect's statusCode");
    let mut socket = connect(&gateway, "token=good").await.expect("allowed");
    send(&mut socket, json!({"action": "echo", "text": "hi"})).await;
    let reply = next_json(&mut socket).await;
    assert_eq!(reply["echo"]["text"], "hi");
    assert_eq!(reply["routeKey"], "$default", "no route for the action: $default");
}

#[tokio::test]
async fn the_management_api_answers_410_for_gone_connections_and_closes_on_delete() {
    let (gateway, _data) = gateway(Limits::default()).await;
    let mut socket = connect(&gateway, "token=good").await.unwrap();
    send(&mut socket, json!({"action": "gone"})).await;
    assert_eq!(next_json(&mut socket).await["gone"], "GoneException", "the SDK sees a 410 as GoneException");

    let ids = gateway.connections.ids();
    assert_eq!(ids.len(), 1);
    let http = reqwest::Client::new();
    let url = format!("{}/prod/@connections/{}", gateway.url, urlencoding::encode(&ids[0]));
    let described: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    assert!(described["connectedAt"].as_str().unwrap().contains('T'), "{described}");
    assert_eq!(http.post(&url).body("pushed").send().await.unwrap().status(), 200);
    assert_eq!(socket.next().await.unwrap().unwrap(), Message::Text("pushed".into()));
    assert_eq!(http.delete(&url).send().await.unwrap().status(), 204);
    assert_eq!(close_code(&mut socket).await, 1000);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gateway.connections.ids().is_empty() {
        assert!(Instant::now() < deadline, "the connection is forgotten");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(http.post(&url).body("late").send().await.unwrap().status(), 410);
    assert_eq!(http.post(&url).body(vec![b'x'; 129 * 1024]).send().await.unwrap().status(), 413);
}

#[tokio::test]
async fn a_crashing_function_is_reported_and_replaced() {
    // One execution environment, so that "the process" is one process: the
    // function posts its reply through @connections before it returns, so
    // the next frame can find that process still busy, and the gateway would
    // then start a second one (as Lambda does), which could take the `exit`.
    let (gateway, _data) = gateway_with(Limits::default(), None, 1).await;
    let mut socket = connect(&gateway, "token=good").await.unwrap();
    send(&mut socket, json!({"action": "pid"})).await;
    let first = next_json(&mut socket).await["pid"].as_u64().unwrap();
    send(&mut socket, json!({"action": "panic"})).await;
    assert_eq!(next_json(&mut socket).await["message"], "Internal server error");
    send(&mut socket, json!({"action": "pid"})).await;
    assert_eq!(next_json(&mut socket).await["pid"].as_u64().unwrap(), first, "lambda_runtime catches a panic: same process");
    send(&mut socket, json!({"action": "exit"})).await;
    assert_eq!(next_json(&mut socket).await["message"], "Internal server error");
    send(&mut socket, json!({"action": "pid"})).await;
    assert_ne!(next_json(&mut socket).await["pid"].as_u64().unwrap(), first, "a new process after the exit");
}

#[tokio::test]
async fn limits_close_connections_as_api_gateway_does() {
    let limits = Limits { idle_timeout: Duration::from_secs(1), ..Limits::default() };
    let (gateway, _data) = gateway(limits).await;
    let mut socket = connect(&gateway, "token=good").await.unwrap();
    socket.send(Message::Text("x".repeat(40 * 1024).into())).await.unwrap();
    assert_eq!(close_code(&mut socket).await, 1009, "a frame over 32 KB");

    let mut idle = connect(&gateway, "token=good").await.unwrap();
    assert_eq!(close_code(&mut idle).await, 1001, "idle for longer than the idle timeout");
    let deadline = Instant::now() + Duration::from_secs(20);
    while gateway.functions.stats()["WsDisconnectFunction"].invocations < 2 {
        assert!(Instant::now() < deadline, "$disconnect follows every close");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn connections_end_at_the_maximum_duration_even_when_active() {
    let limits = Limits { max_duration: Duration::from_secs(2), ..Limits::default() };
    let (gateway, _data) = gateway(limits).await;
    let mut socket = connect(&gateway, "token=good").await.unwrap();
    let started = Instant::now();
    send(&mut socket, json!({"action": "echo"})).await;
    next_json(&mut socket).await;
    assert_eq!(close_code(&mut socket).await, 1001);
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Sign up (auto-confirmed) and sign in with real SRP at the gateway's /idp.
async fn id_token(gateway: &Gateway) -> String {
    let http = reqwest::Client::new();
    let names = LocalNames::default();
    let cognito = |operation: &'static str, body: Value| {
        let request = http
            .post(format!("{}/idp/", gateway.url))
            .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.to_string());
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let (email, password) = ("ana@example.com", "Passw0rd!x");
    cognito("SignUp", json!({"ClientId": names.client_id, "Username": email, "Password": password,
        "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": "Ana"}]}))
    .await;
    let client = SrpClient::new(SrpUser::new(&names.user_pool_id, email, password), &names.client_id, None);
    let auth = client.get_auth_parameters();
    let challenge = cognito("InitiateAuth", json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": names.client_id,
        "AuthParameters": {"USERNAME": auth.username, "SRP_A": auth.a}}))
    .await;
    let param = |name: &str| challenge["ChallengeParameters"][name].as_str().unwrap().to_owned();
    let proof = client.verify(&param("SECRET_BLOCK"), &param("USER_ID_FOR_SRP"), &param("SALT"), &param("SRP_B")).unwrap();
    let answer = cognito("RespondToAuthChallenge", json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": names.client_id,
        "ChallengeResponses": {"USERNAME": param("USER_ID_FOR_SRP"), "PASSWORD_CLAIM_SECRET_BLOCK": proof.password_claim_secret_block,
            "PASSWORD_CLAIM_SIGNATURE": proof.password_claim_signature, "TIMESTAMP": proof.timestamp}}))
    .await;
    answer["AuthenticationResult"]["IdToken"].as_str().expect("signed in").to_owned()
}

#[tokio::test]
async fn the_http_api_checks_the_id_token_and_passes_its_claims() {
    let (gateway, _data) = gateway(Limits::default()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/rooms/lobby/messages?after=abc&limit=5", gateway.url);
    let refused = http.get(&url).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert!(refused.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"));
    assert_eq!(refused.json::<Value>().await.unwrap(), json!({"message": "Unauthorized"}));
    assert_eq!(http.get(&url).header("Authorization", "Bearer not.a.jwt").send().await.unwrap().status(), 401);

    let token = id_token(&gateway).await;
    for header in [token.clone(), format!("Bearer {token}")] {
        let answer: Value = http.get(&url).header("Authorization", header).send().await.unwrap().json().await.unwrap();
        assert_eq!(answer["path"], "/api/rooms/lobby/messages");
        assert_eq!(answer["query"], json!({"after": "abc", "limit": "5"}));
        assert_eq!(answer["claims"]["name"], "Ana");
        assert_eq!(answer["claims"]["token_use"], "id");
        assert_eq!(answer["claims"]["aud"], LocalNames::default().client_id);
    }
    let posted = http.post(format!("{}/api/status/201", gateway.url)).header("Authorization", &token).json(&json!({"text": "hi"})).send().await.unwrap();
    assert_eq!(posted.status(), 201);
    assert_eq!(posted.json::<Value>().await.unwrap()["body"], "{\"text\":\"hi\"}");
    let failed = http.get(format!("{}/api/panic", gateway.url)).header("Authorization", &token).send().await.unwrap();
    assert_eq!(failed.status(), 500);
    assert_eq!(http.get(format!("{}/elsewhere", gateway.url)).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn the_lambda_invoke_api_reaches_functions_by_name() {
    let (gateway, _data) = gateway(Limits::default()).await;
    let function = &gateway.stack.functions["ImagePipelineFunction"];
    let http = reqwest::Client::new();
    let url = format!("{}/2015-03-31/functions/{}/invocations", gateway.url, function.name);
    let answer: Value = http.post(&url).body("{}").send().await.unwrap().json().await.unwrap();
    assert!(answer["pid"].as_u64().is_some(), "{answer}");
    let missing = http.post(format!("{}/2015-03-31/functions/nope/invocations", gateway.url)).body("{}").send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["x-amzn-errortype"], "ResourceNotFoundException");
}

#[tokio::test]
async fn the_web_app_is_served_with_a_config_pointing_at_the_gateway() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<html>moodchat</html>").unwrap();
    let (gateway, _data) = gateway_serving(Limits::default(), Some(dist.path().to_owned())).await;
    let http = reqwest::Client::new();
    let config: Value = http.get(format!("{}/config.json", gateway.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(config["api_url"], format!("{}/api", gateway.url));
    assert_eq!(config["ws_url"], format!("{}/prod", gateway.url.replace("http://", "ws://")));
    assert_eq!(config["cognito"]["endpoint"], format!("{}/idp/", gateway.url));
    assert_eq!(config["cognito"]["client_id"], LocalNames::default().client_id);
    let page = http.get(format!("{}/rooms/lobby", gateway.url)).send().await.unwrap();
    assert_eq!(page.status(), 200, "client-side routes load the app");
    assert_eq!(page.text().await.unwrap(), "<html>moodchat</html>");
    assert_eq!(http.get(format!("{}/api/rooms", gateway.url)).send().await.unwrap().status(), 401, "/api is the HTTP API");
}
