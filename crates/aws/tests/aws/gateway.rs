//! The WebSocket functions (ws-authorizer, ws-connect, ws-default,
//! ws-disconnect: this crate's real binaries) run by the local gateway from
//! infra/template.yaml, on DynamoDB Local, with users signed in at the
//! embedded identity provider by real SRP: what a browser does on AWS.

use super::support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_cognito_srp::{SrpClient, User as SrpUser};
use futures_util::{SinkExt, StreamExt};
use moodchat_aws::sdk::Environment;
use moodchat_aws::push::Posted;
use moodchat_aws::{DynamoConnections, ManagementApiPusher, Table};
use moodchat_core::ports::{ConnectionId, ConnectionRegistry, Identity, Pusher, SystemClock};
use moodchat_local_gateway::provision;
use moodchat_local_gateway::server::{start, Gateway, GatewayOptions};
use moodchat_local_gateway::template::LocalNames;
use moodchat_local_gateway::websocket::Limits;
use moodchat_protocol::ServerEvent;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as Frame;

pub(super) type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(super) struct Stack {
    pub gateway: Gateway,
    pub table: Table,
    _data: tempfile::TempDir,
}

/// The gateway with this crate's functions and a table of its own.
pub(super) async fn stack(dynamodb: String) -> Stack {
    stack_with(dynamodb, None).await
}

/// `stack`, with moto for S3 and SNS (the template's bucket and topic
/// created there: their names are the local stack's, so each test has its
/// own, and the bucket's notification runs the image pipeline).
pub(super) async fn stack_with(dynamodb: String, moto: Option<String>) -> Stack {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let repo = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())).join("../..");
    let data = tempfile::tempdir().unwrap();
    let binaries = HashMap::from([
        ("WsAuthorizerFunction".to_owned(), PathBuf::from(env!("CARGO_BIN_EXE_ws-authorizer"))),
        ("WsConnectFunction".to_owned(), PathBuf::from(env!("CARGO_BIN_EXE_ws-connect"))),
        ("WsDefaultFunction".to_owned(), PathBuf::from(env!("CARGO_BIN_EXE_ws-default"))),
        ("WsDisconnectFunction".to_owned(), PathBuf::from(env!("CARGO_BIN_EXE_ws-disconnect"))),
        ("HttpApiFunction".to_owned(), PathBuf::from(env!("CARGO_BIN_EXE_http-api"))),
        ("ImagePipelineFunction".to_owned(), PathBuf::from(env!("CARGO_BIN_EXE_image-pipeline"))),
    ]);
    let names = LocalNames {
        stack_name: format!("moodchat-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)),
        ..LocalNames::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway = start(
        listener,
        GatewayOptions {
            template: repo.join("infra/template.yaml"),
            parameters: HashMap::new(),
            names,
            binary_dir: data.path().join("no-binaries"),
            binary_overrides: binaries,
            max_instances: 4,
            limits: Limits::default(),
            dist: None,
            idp_data_dir: data.path().join("idp"),
            auto_confirm: true,
            dynamodb_endpoint: Some(dynamodb.clone()),
            moto_endpoint: moto.clone(),
            provision: false,
        },
    )
    .await
    .unwrap();
    let definition = &gateway.stack.tables[0];
    provision::create_table(&provision::dynamodb_client(&dynamodb, support::REGION), definition).await.unwrap();
    let table = Table::new(Environment::local(support::REGION).dynamodb(Some(&dynamodb)), definition.name.clone());
    if let Some(moto) = &moto {
        let s3 = Environment::local(support::REGION).s3(Some(moto));
        for bucket in &gateway.stack.buckets {
            if let Err(error) = s3.create_bucket().bucket(&bucket.name).send().await {
                let code = error.as_service_error().and_then(|e| aws_sdk_s3::error::ProvideErrorMetadata::code(e));
                assert_eq!(code, Some("BucketAlreadyOwnedByYou"), "CreateBucket {}: {error:?}", bucket.name);
            }
        }
        let sns = Environment::local(support::REGION).sns(Some(moto));
        for topic in &gateway.stack.topics {
            sns.create_topic().name(topic).send().await.unwrap();
        }
    }
    Stack { gateway, table, _data: data }
}

/// Sign up (auto-confirmed) and sign in with real SRP at the gateway's /idp.
pub(super) async fn id_token(gateway: &Gateway, email: &str, name: &str) -> String {
    sign_in(gateway, email, name).await["IdToken"].as_str().expect("signed in").to_owned()
}

/// The `AuthenticationResult` (IdToken, AccessToken...).
pub(super) async fn sign_in(gateway: &Gateway, email: &str, name: &str) -> Value {
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
    let password = "Passw0rd!x";
    cognito("SignUp", json!({"ClientId": names.client_id, "Username": email, "Password": password,
        "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": name}]}))
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
    answer["AuthenticationResult"].clone()
}

pub(super) async fn connect(gateway: &Gateway, token: &str) -> Result<Socket, u16> {
    let url = format!("{}/prod?token={token}", gateway.url.replace("http://", "ws://"));
    match tokio_tungstenite::connect_async(url).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

pub(super) async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Frame::Text(frame.to_string().into())).await.unwrap();
}

/// The next event of type `kind`, skipping others (presence comes whenever
/// someone joins), within a deadline.
pub(super) async fn next_of(socket: &mut Socket, kind: &str) -> Value {
    let within = Duration::from_secs(30);
    loop {
        let frame = tokio::time::timeout(within, socket.next()).await.unwrap_or_else(|_| panic!("no {kind} in time"));
        if let Some(Ok(Frame::Text(text))) = frame {
            let event: Value = serde_json::from_str(&text).unwrap();
            if event["type"] == kind {
                return event;
            }
            assert_ne!(event["type"], "error", "while waiting for {kind}: {event}");
        } else if !matches!(frame, Some(Ok(Frame::Ping(_) | Frame::Pong(_)))) {
            panic!("expected a text frame, got {frame:?}");
        }
    }
}

pub(super) async fn join(socket: &mut Socket, since: Option<u64>) {
    let mut frame = json!({"action": "join", "room": "lobby"});
    if let Some(since) = since {
        frame["since"] = json!(since);
    }
    send(socket, frame).await;
}

#[test]
fn two_users_chat_in_the_lobby_and_a_reconnect_resumes_what_it_missed() {
    let dynamodb = support::dynamodb_endpoint();
    support::block_on(async {
        let stack = stack(dynamodb).await;
        let gateway = &stack.gateway;
        assert_eq!(connect(gateway, "not-a-token").await.err(), Some(401), "the authorizer refuses a bad token");
        let ana_tokens = sign_in(gateway, "ana@example.com", "Ana").await;
        let ana_token = ana_tokens["IdToken"].as_str().unwrap().to_owned();
        let access = ana_tokens["AccessToken"].as_str().unwrap();
        assert_eq!(connect(gateway, access).await.err(), Some(401), "an access token is not an id token");
        let (head, rest) = ana_token.split_once('.').unwrap();
        let (claims, _signature) = rest.split_once('.').unwrap();
        let forged = format!("{head}.{claims}.{}", "A".repeat(342));
        assert_eq!(connect(gateway, &forged).await.err(), Some(401), "a forged signature");
        let bo_token = id_token(gateway, "bo@example.com", "Bo").await;
        let mut ana = connect(gateway, &ana_token).await.expect("ana connects");
        let mut bo = connect(gateway, &bo_token).await.expect("bo connects");
        for socket in [&mut ana, &mut bo] {
            join(socket, None).await;
            next_of(socket, "joined").await;
        }

        send(&mut ana, json!({"action": "sendMessage", "room": "lobby", "client_id": "a1", "text": "I love this, what a great day"})).await;
        let ack = next_of(&mut ana, "ack").await;
        assert_eq!((ack["client_id"].as_str(), ack["seq"].as_u64()), (Some("a1"), Some(1)));
        let received = next_of(&mut bo, "message").await;
        let message = &received["message"];
        assert_eq!(message["text"], "I love this, what a great day");
        assert_eq!(message["sender"]["name"], "Ana");
        assert_eq!(message["seq"], 1);
        assert_eq!(message["id"], ack["id"]);
        assert_eq!(message["sentiment"]["label"], "positive", "the mood comes with the message");

        // Bo goes away; what Ana sends meanwhile is replayed when he rejoins
        // with `since`, in order, before `joined`.
        bo.close(None).await.unwrap();
        drop(bo);
        // ws-disconnect forgets him and tells the lobby who is left.
        loop {
            let presence = next_of(&mut ana, "presence").await;
            let online: Vec<&str> = presence["online"].as_array().unwrap().iter().filter_map(|u| u["name"].as_str()).collect();
            if online == ["Ana"] {
                break;
            }
            assert_eq!(online, ["Ana", "Bo"], "only the join's presence may come first");
        }
        for (n, text) in [(2, "are you there?"), (3, "this is terrible, I hate waiting")] {
            send(&mut ana, json!({"action": "sendMessage", "room": "lobby", "client_id": format!("a{n}"), "text": text})).await;
            assert_eq!(next_of(&mut ana, "ack").await["seq"], n);
        }
        let mut bo = connect(gateway, &bo_token).await.expect("bo reconnects");
        join(&mut bo, Some(1)).await;
        let missed = [next_of(&mut bo, "message").await, next_of(&mut bo, "message").await];
        assert_eq!(missed.iter().map(|m| m["message"]["seq"].as_u64().unwrap()).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(missed[1]["message"]["sentiment"]["label"], "negative");
        next_of(&mut bo, "joined").await;

        // A retry of a stored send is answered with the original, not stored twice.
        send(&mut ana, json!({"action": "sendMessage", "room": "lobby", "client_id": "a3", "text": "again"})).await;
        assert_eq!(next_of(&mut ana, "ack").await["seq"], 3);
        send(&mut bo, json!({"action": "sendMessage", "room": "lobby", "client_id": "b1", "text": "back"})).await;
        assert_eq!(next_of(&mut ana, "message").await["message"]["seq"], 4, "no seq was used by the retry");
    });
}

#[test]
fn the_pusher_reports_connections_the_management_api_answers_410_for() {
    let dynamodb = support::dynamodb_endpoint();
    support::block_on(async {
        let stack = stack(dynamodb).await;
        let gateway = &stack.gateway;
        let token = id_token(gateway, "cy@example.com", "Cy").await;
        let mut cy = connect(gateway, &token).await.expect("cy connects");
        join(&mut cy, None).await;
        next_of(&mut cy, "joined").await;

        // A connection the table still lists but API Gateway has forgotten
        // (its $disconnect was missed).
        let registry = DynamoConnections::new(stack.table.clone(), Arc::new(SystemClock));
        let ghost = ConnectionId("ghost-connection".into());
        let who = Identity { sub: "sub-ghost".into(), username: "ghost".into(), name: "Ghost".into(), email: None };
        registry.connect(&ghost, &who, moodchat_local_gateway::now_ms()).await.unwrap();
        registry.subscribe(&ghost, "lobby").await.unwrap();

        let management = Environment::local(support::REGION).management_api(&format!("{}/prod", gateway.url));
        let pusher = ManagementApiPusher::new(management, registry);
        assert_eq!(pusher.post(&ghost, b"{}").await, Posted::Gone);
        let undelivered = pusher.publish("lobby", ServerEvent::Pong, None).await;
        assert_eq!(undelivered, vec![ghost], "only the gone connection is reported");
        next_of(&mut cy, "pong").await;
    });
}

#[test]
fn a_user_gets_ten_connections_and_the_eleventh_is_refused() {
    let dynamodb = support::dynamodb_endpoint();
    support::block_on(async {
        let stack = stack(dynamodb).await;
        let token = id_token(&stack.gateway, "di@example.com", "Di").await;
        let mut open = Vec::new();
        for _ in 0..10 {
            open.push(connect(&stack.gateway, &token).await.expect("within the limit"));
        }
        assert_eq!(connect(&stack.gateway, &token).await.err(), Some(429));
        let mut last = open.pop().unwrap();
        last.close(None).await.unwrap();
        // Its $disconnect comes after the close: wait for the slot, with a deadline.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            match connect(&stack.gateway, &token).await {
                Ok(_) => break,
                Err(429) if std::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(code) => panic!("a slot should free up after a disconnect, got {code}"),
            }
        }
    });
}

/// The frame rate is counted in the table: a connection flooding frames is
/// answered `rate_limited` beyond 20 per 2 s window, whichever function
/// instance handles each frame.
#[test]
fn a_connection_flooding_frames_is_rate_limited() {
    let dynamodb = support::dynamodb_endpoint();
    support::block_on(async {
        let stack = stack(dynamodb).await;
        let token = id_token(&stack.gateway, "flo@example.com", "Flo").await;
        let mut socket = connect(&stack.gateway, &token).await.expect("connects");
        const FRAMES: usize = 100;
        for _ in 0..FRAMES {
            send(&mut socket, json!({"action": "ping"})).await;
        }
        let (mut pongs, mut limited) = (0, 0);
        while pongs + limited < FRAMES {
            let frame = tokio::time::timeout(Duration::from_secs(30), socket.next()).await.expect("an answer to every frame");
            let Some(Ok(Frame::Text(text))) = frame else { continue };
            let event: Value = serde_json::from_str(&text).unwrap();
            match event["type"].as_str() {
                Some("pong") => pongs += 1,
                Some("error") if event["code"] == "rate_limited" => limited += 1,
                _ => panic!("unexpected {event}"),
            }
        }
        assert!(limited > 0, "{FRAMES} frames at once are over 20 per 2 s ({pongs} pongs)");
        assert!(pongs >= 20, "the first 20 pass ({pongs})");
    });
}
