//! The embedded Notifier: every stored image is logged, and posted as JSON
//! to the administrators' webhook when one is configured
//! (`--image-webhook`). On AWS the same notice goes to an SNS topic.

use std::time::Duration;

use async_trait::async_trait;
use moodchat_core::{Notifier, StoredImage};
use serde_json::Value;

const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);
const WEBHOOK_ATTEMPTS: u32 = 3;
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(250);

pub struct AdminNotifier {
    webhook: Option<Webhook>,
}

struct Webhook {
    url: String,
    http: reqwest::Client,
}

impl AdminNotifier {
    pub fn new(webhook_url: Option<String>) -> anyhow::Result<Self> {
        let webhook = match webhook_url {
            Some(url) => {
                let http = reqwest::Client::builder().timeout(WEBHOOK_TIMEOUT).build()?;
                Some(Webhook { url, http })
            }
            None => None,
        };
        Ok(Self { webhook })
    }
}

#[async_trait]
impl Notifier for AdminNotifier {
    async fn image_stored(&self, image: &StoredImage) {
        tracing::info!(
            event = "image_uploaded",
            key = %image.key,
            uploader = %image.uploader.sub,
            content_type = %image.content_type,
            size = image.size,
            width = image.width,
            height = image.height,
            "image stored"
        );
        if let Some(webhook) = &self.webhook {
            webhook.post(&image.notice()).await;
        }
    }
}

impl Webhook {
    /// Tries a few times with growing pauses; a receiver that is down only
    /// costs a warning.
    async fn post(&self, body: &Value) {
        let mut delay = FIRST_RETRY_DELAY;
        for attempt in 1..=WEBHOOK_ATTEMPTS {
            let outcome = self.http.post(&self.url).json(body).send().await;
            match outcome {
                Ok(response) if response.status().is_success() => return,
                Ok(response) => {
                    tracing::warn!(status = %response.status(), attempt, "image webhook refused the notice")
                }
                Err(error) => tracing::warn!(%error, attempt, "image webhook unreachable"),
            }
            if attempt < WEBHOOK_ATTEMPTS {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
        tracing::error!(url = %self.url, key = %body["key"], "image notice not delivered to the webhook");
    }
}
