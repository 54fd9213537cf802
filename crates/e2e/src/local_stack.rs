//! The serverless home on this machine, for the end-to-end tests: the real
//! `local-gateway` process (scripts/local-aws.sh's) running
//! infra/template.yaml with crates/aws's real Lambda binaries, DynamoDB
//! Local and moto, and the embedded identity provider as Cognito; the built
//! app served on an origin of its own, as Amplify Hosting serves it, with
//! the `/config.json` the gateway makes from the template's Outputs. The
//! template's `AmplifyOrigin` is that origin, so the HTTP API answers the
//! app's requests under the template's own CORS rules.
//!
//! The gateway comes from `MOODCHAT_LOCAL_GATEWAY_BIN`; the functions'
//! binaries are beside it (cargo's output directory), which scripts/test.sh
//! builds; DynamoDB Local and moto are found as scripts/env.sh says.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};

use crate::static_host::StaticHost;
use crate::Site;

/// Starting Java (DynamoDB Local) and moto takes seconds, more on a busy machine.
const START_DEADLINE: Duration = Duration::from_secs(120);

pub struct LocalStack {
    gateway: Child,
    /// Where the gateway listens: its APIs, `/idp`, `@connections`.
    pub gateway_url: String,
    app_url: String,
    /// The app's `/config.json`, as the gateway wrote it.
    pub config: Value,
    _app: StaticHost,
}

impl Site for LocalStack {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app_url)
    }

    fn idp_url(&self, path: &str) -> String {
        format!("{}/idp{path}", self.gateway_url)
    }
}

impl LocalStack {
    pub async fn start() -> anyhow::Result<LocalStack> {
        let gateway_binary = gateway_binary()?;
        let binary_dir = gateway_binary.parent().context("the gateway binary's directory")?.to_owned();
        let template = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../infra/template.yaml");
        let dist = crate::server::dist_dir()?;
        // The app's origin is known before the gateway starts, so that the
        // template's CORS can name it.
        let app_listener = TcpListener::bind("127.0.0.1:0").await?;
        let app_url = format!("http://{}", app_listener.local_addr()?);
        let mut gateway = Command::new(&gateway_binary)
            .args(["--start-services", "--addr", "127.0.0.1:0"])
            .arg("--template")
            .arg(&template)
            .arg("--binary-dir")
            .arg(&binary_dir)
            // Only for its /config.json: the app is served from its own origin.
            .arg("--dist")
            .arg(&dist)
            .arg("--parameter")
            .arg(format!("AmplifyOrigin={app_url}"))
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            // Its own process group with DynamoDB Local and moto, its
            // children, and the functions' processes: `drop` ends them all.
            .process_group(0)
            .spawn()
            .with_context(|| format!("spawn {}", gateway_binary.display()))?;
        let stdout = gateway.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let gateway_url = tokio::time::timeout(START_DEADLINE, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(url) = line.strip_prefix("local-gateway listening on ") {
                    return Ok(url.trim().to_owned());
                }
            }
            bail!("local-gateway exited before listening (is `scripts/setup.sh --aws` done?)")
        })
        .await
        .context("local-gateway did not say where it listens in time")??;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        let config: Value = reqwest::get(format!("{gateway_url}/config.json")).await?.error_for_status()?.json().await?;
        let app = StaticHost::serve(app_listener, dist, config.to_string());
        Ok(LocalStack { gateway, gateway_url, app_url, config, _app: app })
    }

    /// The ids of the WebSocket connections open at the gateway (its local
    /// `GET /_local/connections`), sorted.
    pub async fn connections(&self) -> anyhow::Result<Vec<String>> {
        let answer: Value =
            reqwest::get(format!("{}/_local/connections", self.gateway_url)).await?.error_for_status()?.json().await?;
        Ok(serde_json::from_value(answer["connections"].clone())?)
    }

    /// Closes a connection from the gateway's side, as API Gateway does at
    /// its limits or when told to: `DELETE @connections/{id}` on the
    /// stage's management endpoint.
    pub async fn drop_connection(&self, id: &str) -> anyhow::Result<()> {
        let stage = self.config["ws_url"].as_str().context("ws_url in the config")?.replacen("ws", "http", 1);
        let response = reqwest::Client::new().delete(format!("{stage}/@connections/{id}")).send().await?;
        anyhow::ensure!(response.status() == 204, "DeleteConnection {id}: {}", response.status());
        Ok(())
    }
}

impl Drop for LocalStack {
    /// Ends the gateway's whole process group: killing the gateway alone
    /// would orphan Java, moto and the functions.
    fn drop(&mut self) {
        if let Some(pid) = self.gateway.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn gateway_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("MOODCHAT_LOCAL_GATEWAY_BIN").map(PathBuf::from).context(
        "MOODCHAT_LOCAL_GATEWAY_BIN is not set: run the end-to-end tests through scripts/test.sh",
    )?;
    if !path.is_file() {
        bail!(
            "MOODCHAT_LOCAL_GATEWAY_BIN={} does not exist: build it with \
             `cargo build -p moodchat-local-gateway --bin local-gateway -p moodchat-aws --bins`",
            path.display()
        );
    }
    Ok(path)
}
