//! Slowing the browser's network for real: chromedriver's Chromium-only
//! network conditions (DevTools network emulation), so that a test can
//! watch an upload in progress without a test-only switch in the app or the
//! server.

use anyhow::Context;
use serde_json::json;

use crate::Browser;

impl Browser {
    /// Caps what the page sends at `bytes_per_second` (downloads are not
    /// limited) until `stop_throttling`.
    pub async fn throttle_uploads(&self, bytes_per_second: u32) -> anyhow::Result<()> {
        let conditions = json!({ "network_conditions": {
            "offline": false,
            "latency": 0,
            "download_throughput": -1,
            "upload_throughput": bytes_per_second,
        }});
        self.network_conditions(reqwest::Method::POST, Some(conditions)).await
    }

    /// Back to the full speed of the loopback network.
    pub async fn stop_throttling(&self) -> anyhow::Result<()> {
        self.network_conditions(reqwest::Method::DELETE, None).await
    }

    /// `POST`/`DELETE /session/{id}/chromium/network_conditions`.
    async fn network_conditions(&self, method: reqwest::Method, body: Option<serde_json::Value>) -> anyhow::Result<()> {
        let session = self.client.session_id().await?.context("the browser has no WebDriver session")?;
        let url = format!("{}/session/{session}/chromium/network_conditions", self.driver_url);
        let mut request = reqwest::Client::new().request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.with_context(|| format!("reach chromedriver at {url}"))?;
        let status = response.status();
        anyhow::ensure!(status.is_success(), "chromedriver refused network conditions: {status} {}", response.text().await?);
        Ok(())
    }
}

/// A network as DevTools emulates it (`DevTools::emulate_network`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NetworkProfile {
    /// Added to every request before its answer starts.
    pub latency_ms: u32,
    pub download_bytes_per_second: u32,
    pub upload_bytes_per_second: u32,
}

impl NetworkProfile {
    /// 1.6 Mbit/s down, 750 kbit/s up, 150 ms latency: Lighthouse's "slow
    /// 4G" phone, on which issue 14's targets are set (kilo as 1,000).
    pub const SLOW_4G: NetworkProfile =
        NetworkProfile { latency_ms: 150, download_bytes_per_second: 1_600_000 / 8, upload_bytes_per_second: 750_000 / 8 };

    /// The parameters of DevTools' `Network.emulateNetworkConditions`.
    pub fn devtools_conditions(&self) -> serde_json::Value {
        json!({
            "offline": false,
            "latency": self.latency_ms,
            "downloadThroughput": self.download_bytes_per_second,
            "uploadThroughput": self.upload_bytes_per_second,
        })
    }
}

impl std::fmt::Display for NetworkProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (down, up) = (self.download_bytes_per_second * 8 / 1000, self.upload_bytes_per_second * 8 / 1000);
        write!(f, "{down} kbit/s down, {up} kbit/s up, {} ms latency", self.latency_ms)
    }
}
