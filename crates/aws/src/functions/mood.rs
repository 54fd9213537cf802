//! Message moods from the on-device model compiled into the function (the
//! same weights as the embedded server): no network call, microseconds per
//! message, so every message has its mood before it is pushed. With
//! `MOODCHAT_MOOD_PROVIDER=comprehend`, Amazon Comprehend labels them, the
//! model answering whenever it does not in time (`crate::comprehend`).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use moodchat_core::SentimentProvider;
use moodchat_protocol::Sentiment;
use moodchat_sentiment::Model;

use crate::comprehend::ComprehendMood;
use crate::sdk::Environment;

/// Comprehend's time limit when `MOODCHAT_MOOD_TIMEOUT_MS` is not set (the
/// template sets 800): a send waits for its mood before it is stored.
pub const DEFAULT_COMPREHEND_TIMEOUT_MS: u64 = 800;

/// `Sentiment::source` of these moods, as the embedded server writes it.
pub const LOCAL_SOURCE: &str = "local";

pub struct LocalMood {
    model: Model,
}

impl LocalMood {
    pub fn embedded() -> Self {
        Self { model: Model::embedded() }
    }
}

#[async_trait]
impl SentimentProvider for LocalMood {
    async fn classify(&self, text: &str) -> Option<Sentiment> {
        let prediction = self.model.predict(text);
        Some(Sentiment { label: prediction.label.as_str().to_owned(), score: prediction.score, source: LOCAL_SOURCE.into() })
    }
}

/// Who labels moods, from `MOODCHAT_MOOD_PROVIDER` (`local`, the default, or
/// `comprehend`) and `MOODCHAT_MOOD_TIMEOUT_MS` (Comprehend's time limit,
/// 800 ms unless set): the template sets both (its `MoodProvider`).
pub fn provider_from_env(environment: &Environment) -> Result<Arc<dyn SentimentProvider>, String> {
    let provider = std::env::var("MOODCHAT_MOOD_PROVIDER").ok();
    let timeout = std::env::var("MOODCHAT_MOOD_TIMEOUT_MS").ok();
    provider_for(provider.as_deref(), timeout.as_deref(), || {
        environment.comprehend(Environment::endpoint_override("COMPREHEND").as_deref())
    })
}

/// `provider_from_env` on given values.
pub fn provider_for(
    provider: Option<&str>,
    timeout_ms: Option<&str>,
    comprehend: impl FnOnce() -> aws_sdk_comprehend::Client,
) -> Result<Arc<dyn SentimentProvider>, String> {
    match provider.unwrap_or_default() {
        "" | "local" => Ok(Arc::new(LocalMood::embedded())),
        "comprehend" => {
            let timeout_ms = match timeout_ms.unwrap_or_default() {
                "" => DEFAULT_COMPREHEND_TIMEOUT_MS,
                value => value.parse().map_err(|_| format!("MOODCHAT_MOOD_TIMEOUT_MS is not a number of ms: {value:?}"))?,
            };
            let timeout = Duration::from_millis(timeout_ms);
            Ok(Arc::new(ComprehendMood::new(comprehend(), timeout, LocalMood::embedded())))
        }
        other => Err(format!("MOODCHAT_MOOD_PROVIDER must be local or comprehend, not {other:?}")),
    }
}
