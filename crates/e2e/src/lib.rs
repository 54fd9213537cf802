//! Harness for the end-to-end tests: the real `moodchat` binary serving the
//! real built SPA, driven in headless Chromium through chromedriver.
//!
//! The binary and the SPA come from the environment (`MOODCHAT_BIN`,
//! `MOODCHAT_DIST_DIR`), which scripts/test.sh sets after building both.
//! Every wait has a deadline; nothing sleeps for a fixed time. (`holds_for`
//! polls a condition that must stay true for a period.)

pub mod a11y;
pub mod auth;
pub mod browser;
pub mod chat;
pub mod devtools;
pub mod downloads;
pub mod images;
pub mod local_stack;
pub mod moments;
pub mod network;
pub mod network_log;
pub mod page_files;
pub mod server;
pub mod static_host;

pub use browser::Browser;
pub use local_stack::LocalStack;
pub use server::Server;

/// Where a test finds the app and its identity provider: the embedded
/// server (both on one origin) or the local serverless stack (the app on an
/// origin of its own, as on Amplify Hosting, the provider at the gateway).
pub trait Site {
    /// A page (or file) of the app: `url("/signin")`.
    fn url(&self, path: &str) -> String;
    /// The identity provider's Cognito API and dev outbox: `idp_url("/outbox")`.
    fn idp_url(&self, path: &str) -> String {
        self.url(&format!("/idp{path}"))
    }
}

impl Site for Server {
    fn url(&self, path: &str) -> String {
        Server::url(self, path)
    }
}

use std::path::PathBuf;
use std::time::Duration;

/// How long any single expected thing may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(15);

/// Where screenshots go (`MOODCHAT_ARTIFACTS`, default `test-artifacts`).
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("MOODCHAT_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts"));
    std::fs::create_dir_all(&dir).expect("create the artifacts directory");
    dir
}

/// Polls `probe` until it yields a value or `DEADLINE` passes.
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually_within(DEADLINE, what, probe).await
}

/// `eventually` with a limit of its own, for what takes longer by design
/// (a page load on an emulated slow network).
pub async fn eventually_within<T, F, Fut>(limit: Duration, what: &str, mut probe: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = probe().await {
            return Ok(value);
        }
        if tokio::time::Instant::now() >= deadline {
            anyhow::bail!("timed out after {limit:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Checks `probe` over and over for `period`, failing as soon as it does
/// not hold: for what must stay true for a while (a connection that must
/// not drop), where `eventually` is for what must become true.
pub async fn holds_for<F, Fut>(period: Duration, what: &str, mut probe: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let end = tokio::time::Instant::now() + period;
    while tokio::time::Instant::now() < end {
        if !probe().await {
            anyhow::bail!("{what} stopped holding before {period:?} had passed");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Ok(())
}
