//! Message moods from the on-device model compiled into the function (the
//! same weights as the embedded server): no network call, microseconds per
//! message, so every message has its mood before it is pushed.

use async_trait::async_trait;
use moodchat_core::SentimentProvider;
use moodchat_protocol::Sentiment;
use moodchat_sentiment::Model;

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
