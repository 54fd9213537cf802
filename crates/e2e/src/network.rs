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
