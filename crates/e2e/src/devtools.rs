//! A Chrome DevTools Protocol connection to the browser's page, beside
//! chromedriver's WebDriver one, for what WebDriver has no words for: the
//! browser's own record of the network, for the page and for the web
//! workers it starts (each attached as it starts, before it runs); network
//! emulation; the HTTP cache; a script that runs before the page's own.
//! chromedriver says where the browser listens
//! (`goog:chromeOptions.debuggerAddress`).
//!
//! Hand-written rather than chromiumoxide: its generated bindings of the
//! whole protocol take minutes to compile, for the seven commands used here.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::network::NetworkProfile;
use crate::network_log::NetworkLog;
use crate::{Browser, DEADLINE};

pub struct DevTools {
    outgoing: mpsc::UnboundedSender<String>,
    shared: Arc<Shared>,
    reader: JoinHandle<()>,
}

/// What the connection's reader and its users share.
#[derive(Default)]
struct Shared {
    next_id: AtomicU64,
    /// Commands waiting for their answer, by id.
    waiting: Mutex<HashMap<u64, oneshot::Sender<Value>>>,
    network: Mutex<NetworkLog>,
    /// Errors answered to commands nobody waited for (a worker's setup).
    errors: Mutex<Vec<String>>,
}

impl Shared {
    fn message(&self, session: Option<&str>, method: &str, params: Value) -> (u64, String) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        (id, message.to_string())
    }
}

impl Browser {
    /// Opens a DevTools connection to this browser's page.
    pub async fn devtools(&self) -> anyhow::Result<DevTools> {
        let capabilities = self.client.capabilities().context("the WebDriver session's capabilities")?;
        let address = capabilities
            .get("goog:chromeOptions")
            .and_then(|options| options["debuggerAddress"].as_str())
            .context("chromedriver did not say where the browser's DevTools listen")?;
        let targets: Value = reqwest::get(format!("http://{address}/json/list")).await?.json().await?;
        let page = targets
            .as_array()
            .and_then(|targets| targets.iter().find(|target| target["type"] == "page"))
            .and_then(|target| target["webSocketDebuggerUrl"].as_str())
            .with_context(|| format!("no page among the browser's targets: {targets}"))?;
        DevTools::connect(page).await
    }
}

impl DevTools {
    async fn connect(url: &str) -> anyhow::Result<DevTools> {
        let (socket, _) = tokio_tungstenite::connect_async(url).await.with_context(|| format!("connect to {url}"))?;
        let (mut sink, mut stream) = socket.split();
        let (outgoing, mut queue) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(text) = queue.recv().await {
                if sink.send(Message::text(text)).await.is_err() {
                    break;
                }
            }
        });
        let shared = Arc::new(Shared::default());
        let reader = {
            let (shared, outgoing) = (shared.clone(), outgoing.clone());
            tokio::spawn(async move {
                while let Some(Ok(message)) = stream.next().await {
                    if let Ok(text) = message.to_text() {
                        if let Ok(message) = serde_json::from_str::<Value>(text) {
                            dispatch(&shared, &outgoing, message);
                        }
                    }
                }
            })
        };
        let devtools = DevTools { outgoing, shared, reader };
        devtools.command("Network.enable", json!({})).await?;
        // (Without it, scripts added for new documents never run.)
        devtools.command("Page.enable", json!({})).await?;
        // Each worker the page starts waits, attached, until it is set up.
        devtools
            .command("Target.setAutoAttach", json!({ "autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true }))
            .await?;
        Ok(devtools)
    }

    /// Runs `method` on the page; its result, or the error it answered.
    pub async fn command(&self, method: &str, params: Value) -> anyhow::Result<Value> {
        let (id, message) = self.shared.message(None, method, params);
        let (answer, answered) = oneshot::channel();
        self.shared.waiting.lock().unwrap().insert(id, answer);
        self.outgoing.send(message).ok().context("the DevTools connection is closed")?;
        let mut answer = tokio::time::timeout(DEADLINE, answered)
            .await
            .with_context(|| format!("DevTools did not answer {method}"))?
            .with_context(|| format!("the DevTools connection closed during {method}"))?;
        anyhow::ensure!(answer["error"].is_null(), "DevTools refused {method}: {}", answer["error"]);
        Ok(answer["result"].take())
    }

    /// Emulates `profile` from now on, until changed. The page's conditions
    /// hold for its workers' requests too (a worker's session refuses the
    /// command: "Not supported"); the mood worker's 0.9 MB arrive at the
    /// emulated rate.
    pub async fn emulate_network(&self, profile: NetworkProfile) -> anyhow::Result<()> {
        self.command("Network.emulateNetworkConditions", profile.devtools_conditions()).await.map(drop)
    }

    /// Empties the HTTP cache (memory and disk), as for a first visit;
    /// cookies and storage stay, so a signed-in user stays signed in.
    pub async fn clear_http_cache(&self) -> anyhow::Result<()> {
        self.command("Network.clearBrowserCache", json!({})).await.map(drop)
    }

    /// Runs `script` in every document from the next one on, before the
    /// page's own scripts (and outside its Content-Security-Policy).
    pub async fn run_before_each_document(&self, script: &str) -> anyhow::Result<()> {
        self.command("Page.addScriptToEvaluateOnNewDocument", json!({ "source": script })).await.map(drop)
    }

    /// The network record so far, taken: the next call starts afresh.
    pub fn take_network_log(&self) -> anyhow::Result<NetworkLog> {
        let errors = std::mem::take(&mut *self.shared.errors.lock().unwrap());
        anyhow::ensure!(errors.is_empty(), "DevTools refused to set up a worker: {errors:?}");
        Ok(std::mem::take(&mut *self.shared.network.lock().unwrap()))
    }

    /// The network record so far, kept.
    pub fn with_network_log<T>(&self, read: impl FnOnce(&NetworkLog) -> T) -> T {
        read(&self.shared.network.lock().unwrap())
    }
}

impl Drop for DevTools {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Sends a command nobody waits for; an error it gets is kept in `errors`.
fn send(shared: &Shared, outgoing: &mpsc::UnboundedSender<String>, session: Option<&str>, method: &str, params: Value) {
    let (_, message) = shared.message(session, method, params);
    let _ = outgoing.send(message);
}

/// Handles one message from the browser: an answer, a worker attached, a
/// network event (the page's or a worker's: one log, by request id).
fn dispatch(shared: &Shared, outgoing: &mpsc::UnboundedSender<String>, message: Value) {
    if let Some(id) = message["id"].as_u64() {
        match shared.waiting.lock().unwrap().remove(&id) {
            Some(waiting) => drop(waiting.send(message)),
            None if !message["error"].is_null() => shared.errors.lock().unwrap().push(message["error"].to_string()),
            None => {}
        }
        return;
    }
    let method = message["method"].as_str().unwrap_or_default();
    let params = &message["params"];
    match method {
        "Target.attachedToTarget" => {
            // Recorded from its first request on, then let go.
            let session = params["sessionId"].as_str().unwrap_or_default();
            send(shared, outgoing, Some(session), "Network.enable", json!({}));
            send(shared, outgoing, Some(session), "Runtime.runIfWaitingForDebugger", json!({}));
        }
        _ if method.starts_with("Network.") => shared.network.lock().unwrap().apply(method, params),
        _ => {}
    }
}
