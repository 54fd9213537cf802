//! The whole embedded server for integration tests, started the way
//! `moodchat serve` starts it: settings from the command line (so the
//! documented defaults apply unless a test says otherwise), the router of
//! `build_router`, and the real accept loop (`moodchat_server::serve`), which
//! gives every request its TCP peer. In-process, on 127.0.0.1 and a free port.
//! `process` runs the real binary instead, for what only a process shows
//! (its memory, its logs, its file descriptor limit).
#![allow(dead_code)]

pub mod process;

use std::net::SocketAddr;
use std::time::Duration;

use aws_cognito_srp::{SrpClient, User as SrpUser};
use clap::Parser;
use moodchat_server::cli::{Cli, Command};
use moodchat_server::build_router;
use serde_json::{json, Value};

pub const POOL_ID: &str = "local_moodchat";
pub const CLIENT_ID: &str = "moodchat-web";
pub const PASSWORD: &str = "Correct-h0rse";
/// How long any awaited condition may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub struct Server {
    pub addr: SocketAddr,
    pub base: String,
    pub http: reqwest::Client,
    pub data: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// `moodchat serve <args>` with a fresh data directory and a stand-in for
/// the built SPA (an index.html).
pub async fn start(args: &[&str]) -> Server {
    let data = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let dist = data.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>moodchat</title>").unwrap();
    let (data_dir, dist_dir, addr_arg) =
        (data.path().display().to_string(), dist.display().to_string(), addr.to_string());
    let mut argv = vec!["moodchat", "serve", "--addr", &addr_arg, "--data-dir", &data_dir, "--dist-dir", &dist_dir];
    argv.extend_from_slice(args);
    let Command::Serve(serve_args) = Cli::try_parse_from(argv).unwrap().command else { panic!("serve") };
    let settings = serve_args.settings();
    let router = build_router(&settings, &base).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(moodchat_server::serve::serve(listener, router, settings.connections, async move {
        let _ = stopped.await;
    }));
    Server { addr, base, http: reqwest::Client::new(), data, stop: Some(stop) }
}

impl Server {
    /// A client of a server running elsewhere (a `process::Process`).
    pub fn attach(addr: SocketAddr) -> Server {
        Server {
            addr,
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            data: tempfile::tempdir().unwrap(),
            stop: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// One Cognito call; `headers` are added (e.g. X-Forwarded-For).
    pub async fn cognito_from(&self, operation: &str, body: Value, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut request = self
            .http
            .post(self.url("/idp/"))
            .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, serde_json::from_slice(&response.bytes().await.unwrap()).unwrap())
    }

    pub async fn cognito(&self, operation: &str, body: Value) -> (u16, Value) {
        self.cognito_from(operation, body, &[]).await
    }

    /// SignUp with an email as username and a display name.
    pub async fn sign_up(&self, email: &str, name: &str, password: &str) -> Value {
        let (status, body) = self.try_sign_up(email, email, name, password, &[]).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn try_sign_up(
        &self,
        username: &str,
        email: &str,
        name: &str,
        password: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        self.cognito_from(
            "SignUp",
            json!({"ClientId": CLIENT_ID, "Username": username, "Password": password,
                   "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": name}]}),
            headers,
        )
        .await
    }

    /// USER_SRP_AUTH then PASSWORD_VERIFIER; the AuthenticationResult or the error body.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Value, Value> {
        self.sign_in_from(username, password, &[]).await
    }

    pub async fn sign_in_from(&self, username: &str, password: &str, headers: &[(&str, &str)]) -> Result<Value, Value> {
        let client = SrpClient::new(SrpUser::new(POOL_ID, username, password), CLIENT_ID, None);
        let auth = client.get_auth_parameters();
        let (status, challenge) = self
            .cognito_from(
                "InitiateAuth",
                json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT_ID,
                       "AuthParameters": {"USERNAME": auth.username, "SRP_A": auth.a}}),
                headers,
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
            .cognito_from(
                "RespondToAuthChallenge",
                json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT_ID,
                       "ChallengeResponses": {"USERNAME": param("USER_ID_FOR_SRP"),
                           "PASSWORD_CLAIM_SECRET_BLOCK": proof.password_claim_secret_block,
                           "PASSWORD_CLAIM_SIGNATURE": proof.password_claim_signature,
                           "TIMESTAMP": proof.timestamp}}),
                headers,
            )
            .await;
        if status == 200 {
            Ok(answer["AuthenticationResult"].clone())
        } else {
            Err(answer)
        }
    }

    /// A confirmed account (the server runs with --auto-confirm) and its id token.
    pub async fn account(&self, email: &str) -> String {
        self.sign_up(email, email.split('@').next().unwrap(), PASSWORD).await;
        let tokens = self.sign_in(email, PASSWORD).await.unwrap();
        tokens["IdToken"].as_str().unwrap().to_owned()
    }

    /// A chat API call: status, headers and the JSON body (Null when none).
    pub async fn api(&self, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
        let (status, _, body) = self.api_with_headers(method, path, token, body).await;
        (status, body)
    }

    pub async fn api_with_headers(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self.http.request(method, self.url(&format!("/api{path}"))).header("Authorization", token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        (status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }
}

/// Waits for `condition` with a deadline (never a bare sleep).
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !condition().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
