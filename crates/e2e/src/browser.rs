//! A headless Chromium session through Debian's chromedriver.

use std::net::TcpListener;
use std::process::Stdio;

use anyhow::Context;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::process::{Child, Command};

use crate::{eventually, DEADLINE};

pub struct Browser {
    pub client: Client,
    driver: Child,
    /// chromedriver's own URL, for its Chromium-only commands (`network`).
    pub(crate) driver_url: String,
    _profile: tempfile::TempDir,
}

/// Options of one browser session.
#[derive(Clone, Debug)]
pub struct BrowserOptions {
    pub width: u32,
    pub height: u32,
    /// Accept-Language, e.g. "en-US" or "ko-KR".
    pub language: String,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        Self { width: 1280, height: 900, language: "en-US".into() }
    }
}

impl Browser {
    pub async fn start() -> anyhow::Result<Browser> {
        Self::start_with(BrowserOptions::default()).await
    }

    pub async fn start_with(options: BrowserOptions) -> anyhow::Result<Browser> {
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = free_port()?;
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            // Its own process group, with the Chromium it starts: a test that
            // fails before `close` must not leave browsers running.
            .process_group(0)
            .spawn()
            .with_context(|| format!("start {chromedriver} (install chromium-driver; scripts/setup.sh does)"))?;
        let driver_url = format!("http://127.0.0.1:{port}");
        eventually("chromedriver to answer", || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()
        })
        .await?;

        let profile = tempfile::tempdir()?;
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        // The flags this sandbox needs: no network but loopback, no GPU, root.
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            format!("--lang={}", options.language),
            format!("--window-size={},{}", options.width, options.height),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({
            // The page's console, read by `close` for CSP violations and panics.
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": { "intl.accept_languages": options.language },
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!() };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver_url)
            .await
            .context("open a Chromium session")?;
        client.set_window_size(options.width, options.height).await?;
        Ok(Browser { client, driver, driver_url, _profile: profile })
    }

    /// Waits until an element matching `css` exists and contains `text`;
    /// returns its text.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> anyhow::Result<String> {
        eventually(&format!("{css} containing {text:?}"), || async {
            let element = self.client.find(Locator::Css(css)).await.ok()?;
            let content = element.text().await.ok()?;
            content.contains(text).then_some(content)
        })
        .await
    }

    /// Saves a PNG screenshot under the artifacts directory.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<std::path::PathBuf> {
        let png = self.client.screenshot().await?;
        let path = crate::artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the session. Fails the test if the page's console reported a
    /// Content-Security-Policy violation (the browser silently ignores what
    /// it blocks, e.g. a `style` attribute) or a panic of the app's wasm,
    /// at any time since the browser started.
    pub async fn close(self) -> anyhow::Result<()> {
        let problems = self.console_problems().await;
        let _ = tokio::time::timeout(DEADLINE, self.client.clone().close()).await;
        // (chromedriver and whatever is left of the browser end in `drop`.)
        let problems = problems?;
        anyhow::ensure!(problems.is_empty(), "the page's console reported:\n{}", problems.join("\n"));
        Ok(())
    }

    /// Console messages about CSP violations, wasm panics (a debug build
    /// prints them) and wasm traps (a release build, without the panic hook,
    /// only traps: "RuntimeError: unreachable"), from chromedriver's browser
    /// log (`POST /session/{id}/se/log`).
    async fn console_problems(&self) -> anyhow::Result<Vec<String>> {
        let session = self.client.session_id().await?.context("the browser has no WebDriver session")?;
        let url = format!("{}/session/{session}/se/log", self.driver_url);
        let answer: serde_json::Value =
            reqwest::Client::new().post(&url).json(&json!({ "type": "browser" })).send().await?.json().await?;
        let entries = answer["value"].as_array().context("chromedriver's browser log")?;
        Ok(entries
            .iter()
            .filter_map(|entry| entry["message"].as_str())
            .filter(|message| {
                message.contains("Content Security Policy") || message.contains("panicked at") || message.contains("RuntimeError")
            })
            .map(str::to_owned)
            .collect())
    }
}

impl Drop for Browser {
    /// Ends chromedriver's whole process group (Chromium and its helpers
    /// included); `kill_on_drop` alone would orphan the browser.
    fn drop(&mut self) {
        if let Some(pid) = self.driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
