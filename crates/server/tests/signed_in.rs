//! The whole embedded server, as a browser sees it: sign up and confirm at
//! the Cognito-compatible /idp with the code from the dev outbox, sign in
//! with real SRP (the aws-cognito-srp client), then use the id token on the
//! chat API, which verifies it exactly as it would verify Amazon Cognito's.

use std::time::Duration;

use aws_cognito_srp::{SrpClient, User as SrpUser};
use moodchat_protocol::Transport;
use moodchat_server::{build_router, Settings};
use serde_json::{json, Value};

const POOL_ID: &str = "local_moodchat";
const CLIENT_ID: &str = "moodchat-web";

struct Server {
    base: String,
    http: reqwest::Client,
    _data: tempfile::TempDir,
}

async fn start(auto_confirm: bool) -> Server {
    let data = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let settings = Settings {
        addr: listener.local_addr().unwrap(),
        data_dir: data.path().to_path_buf(),
        dist_dir: data.path().join("no-dist"),
        public_url: None,
        transport: Transport::Auto,
        auto_confirm,
        dev_outbox: true,
        token_ttl: Duration::from_secs(3600),
        images: Default::default(),
        mood: Default::default(),
        websocket: Default::default(),
    };
    let router = build_router(&settings, &base).await.unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Server { base, http: reqwest::Client::new(), _data: data }
}

impl Server {
    async fn cognito(&self, operation: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/idp/", self.base))
            .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, serde_json::from_slice(&response.bytes().await.unwrap()).unwrap())
    }

    async fn sign_up(&self, email: &str, name: &str, password: &str) -> Value {
        let (status, body) = self
            .cognito(
                "SignUp",
                json!({"ClientId": CLIENT_ID, "Username": email, "Password": password,
                       "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": name}]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// USER_SRP_AUTH then PASSWORD_VERIFIER; the AuthenticationResult or the error body.
    async fn sign_in(&self, username: &str, password: &str) -> Result<Value, Value> {
        let client = SrpClient::new(SrpUser::new(POOL_ID, username, password), CLIENT_ID, None);
        let auth = client.get_auth_parameters();
        let (status, challenge) = self
            .cognito(
                "InitiateAuth",
                json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT_ID,
                       "AuthParameters": {"USERNAME": auth.username, "SRP_A": auth.a}}),
            )
            .await;
        if status != 200 {
            return Err(challenge);
        }
        let param = |name: &str| challenge["ChallengeParameters"][name].as_str().unwrap().to_owned();
        let proof = client
            .verify(&param("SECRET_BLOCK"), &param("USER_ID_FOR_SRP"), &param("SALT"), &param("SRP_B"))
            .unwrap();
        let (status, answer) = self
            .cognito(
                "RespondToAuthChallenge",
                json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT_ID,
                       "ChallengeResponses": {"USERNAME": param("USER_ID_FOR_SRP"),
                           "PASSWORD_CLAIM_SECRET_BLOCK": proof.password_claim_secret_block,
                           "PASSWORD_CLAIM_SIGNATURE": proof.password_claim_signature,
                           "TIMESTAMP": proof.timestamp}}),
            )
            .await;
        if status == 200 { Ok(answer["AuthenticationResult"].clone()) } else { Err(answer) }
    }

    async fn api(&self, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}/api{path}", self.base)).header("Authorization", token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}

#[tokio::test]
async fn sign_up_confirm_sign_in_and_chat_with_the_id_token() {
    let server = start(false).await;
    let signed_up = server.sign_up("mina@example.com", "Mina", "Correct-h0rse").await;
    assert_eq!(signed_up["UserConfirmed"], false);

    // Not confirmed yet: Cognito's error, not tokens.
    let refused = server.sign_in("mina@example.com", "Correct-h0rse").await.unwrap_err();
    assert_eq!(refused["__type"], "UserNotConfirmedException");

    // The code "sent" by email is in the dev outbox.
    let outbox: Value = server
        .http
        .get(format!("{}/idp/outbox?email=mina@example.com", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = outbox["messages"][0]["code"].as_str().unwrap().to_owned();
    let (status, body) = server
        .cognito("ConfirmSignUp", json!({"ClientId": CLIENT_ID, "Username": "mina@example.com", "ConfirmationCode": code}))
        .await;
    assert_eq!(status, 200, "{body}");

    let tokens = server.sign_in("mina@example.com", "Correct-h0rse").await.unwrap();
    let id_token = tokens["IdToken"].as_str().unwrap();

    // The chat API accepts the IdP's id token and takes the sender from it.
    let (status, rooms) = server.api(reqwest::Method::GET, "/rooms", id_token, None).await;
    assert_eq!(status, 200, "{rooms}");
    let (status, sent) = server
        .api(
            reqwest::Method::POST,
            "/rooms/lobby/messages",
            id_token,
            Some(json!({"client_id": "c-1", "text": "I love this, what a wonderful day!"})),
        )
        .await;
    assert!(status == 200 || status == 201, "{status} {sent}");
    let (_, history) = server.api(reqwest::Method::GET, "/rooms/lobby/messages", id_token, None).await;
    let message = &history["messages"][0];
    assert_eq!(message["sender"]["name"], "Mina", "{history}");
    assert_eq!(message["sentiment"]["label"], "positive", "{history}");
    assert_eq!(message["sentiment"]["source"], "local");

    // The access token is not an id token: the chat API refuses it.
    let access = tokens["AccessToken"].as_str().unwrap();
    let (status, refused) = server.api(reqwest::Method::GET, "/rooms", access, None).await;
    assert_eq!(status, 401, "{refused}");
    assert_eq!(refused["code"], "unauthorized");
}

#[tokio::test]
async fn a_wrong_password_gets_cognitos_error_and_no_token() {
    let server = start(true).await;
    server.sign_up("joon@example.com", "준", "Correct-h0rse").await;
    let refused = server.sign_in("joon@example.com", "wrong-Passw0rd!").await.unwrap_err();
    assert_eq!(refused["__type"], "NotAuthorizedException");
    assert_eq!(refused["message"], "Incorrect username or password.");
    let tokens = server.sign_in("joon@example.com", "Correct-h0rse").await.unwrap();
    assert!(tokens["IdToken"].is_string());
}

#[tokio::test]
async fn unknown_api_paths_and_wrong_methods_answer_json_errors() {
    let server = start(true).await;
    let missing = server.http.get(format!("{}/api/no-such-thing", server.base)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["code"], "not_found");

    let wrong_method = server.http.delete(format!("{}/api/rooms", server.base)).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
    let body: Value = wrong_method.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");
    assert!(body["message"].as_str().unwrap().contains("DELETE"));
}
