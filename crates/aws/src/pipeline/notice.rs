//! The administrators' notice of every stored image, published to the SNS
//! topic (`MOODCHAT_TOPIC_ARN`; an email subscription in the template). The
//! same JSON the embedded server posts to its webhook. Best effort: a topic
//! that cannot be reached costs a log line, never the image.

use std::time::Duration;

use async_trait::async_trait;
use moodchat_core::{Notifier, StoredImage};

/// An invocation waits this long for SNS at most (Lambda freezes the
/// instance when the handler returns, so the publish is awaited).
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(5);
const SUBJECT: &str = "moodchat: an image was uploaded";

pub struct SnsNotifier {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsNotifier {
    pub fn new(client: aws_sdk_sns::Client, topic_arn: impl Into<String>) -> Self {
        Self { client, topic_arn: topic_arn.into() }
    }
}

#[async_trait]
impl Notifier for SnsNotifier {
    async fn image_stored(&self, image: &StoredImage) {
        tracing::info!(event = "image_uploaded", key = %image.key, uploader = %image.uploader.sub, size = image.size, "image stored");
        let publish =
            self.client.publish().topic_arn(&self.topic_arn).subject(SUBJECT).message(image.notice().to_string()).send();
        match tokio::time::timeout(PUBLISH_TIMEOUT, publish).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!(key = %image.key, ?error, "the image notice was not published"),
            Err(_) => tracing::error!(key = %image.key, "the image notice timed out"),
        }
    }
}
