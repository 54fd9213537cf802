//! Moods from Amazon Comprehend (`MOODCHAT_MOOD_PROVIDER=comprehend`):
//! `DetectSentiment` in the text's language, Korean or English, within a
//! short timeout. Whenever Comprehend cannot answer in time (another
//! language, an error, throttling, a stalled network), the on-device model
//! answers instead, so a message is never held up, nor left without a mood,
//! by a service outside the function.
//!
//! Comprehend has four labels and the app three moods: `MIXED` (positive and
//! negative at once) becomes `neutral`, scored with Comprehend's confidence
//! in "mixed": showing either 😊 or 😞 would be half wrong, and 😐 is what
//! the app shows when a message leans neither way (docs/aws.md).

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_comprehend::error::DisplayErrorContext;
use aws_sdk_comprehend::operation::detect_sentiment::DetectSentimentOutput;
use aws_sdk_comprehend::types::{LanguageCode, SentimentType};
use moodchat_core::SentimentProvider;
use moodchat_protocol::Sentiment;

/// `Sentiment::source` of Comprehend's moods.
pub const COMPREHEND_SOURCE: &str = "comprehend";

/// `DetectSentiment` takes at most 5,000 bytes of UTF-8.
pub const MAX_TEXT_BYTES: usize = 5_000;

pub struct ComprehendMood<F> {
    client: aws_sdk_comprehend::Client,
    timeout: Duration,
    fallback: F,
}

impl<F: SentimentProvider> ComprehendMood<F> {
    /// `fallback` answers whenever Comprehend does not within `timeout`.
    pub fn new(client: aws_sdk_comprehend::Client, timeout: Duration, fallback: F) -> Self {
        Self { client, timeout, fallback }
    }

    async fn detect(&self, text: &str, language: LanguageCode) -> Option<Sentiment> {
        let request = self.client.detect_sentiment().text(prefix(text, MAX_TEXT_BYTES)).language_code(language).send();
        match tokio::time::timeout(self.timeout, request).await {
            Ok(Ok(output)) => {
                let sentiment = sentiment_of(&output);
                if sentiment.is_none() {
                    tracing::warn!(?output, "Comprehend's answer has no usable label: the local model answers");
                }
                sentiment
            }
            Ok(Err(error)) => {
                tracing::warn!(error = %DisplayErrorContext(&error), "Comprehend failed: the local model answers");
                None
            }
            Err(_) => {
                tracing::warn!(timeout_ms = self.timeout.as_millis() as u64, "Comprehend timed out: the local model answers");
                None
            }
        }
    }
}

#[async_trait]
impl<F: SentimentProvider> SentimentProvider for ComprehendMood<F> {
    async fn classify(&self, text: &str) -> Option<Sentiment> {
        if let Some(language) = language_of(text) {
            if let Some(sentiment) = self.detect(text, language).await {
                return Some(sentiment);
            }
        }
        self.fallback.classify(text).await
    }
}

/// Korean when the text has Hangul, English when every letter in it is an
/// ASCII letter; otherwise `None`: the on-device model (trained on Korean
/// and English) answers, as for a text without letters (emoji, numbers).
pub fn language_of(text: &str) -> Option<LanguageCode> {
    if text.chars().any(is_hangul) {
        return Some(LanguageCode::Ko);
    }
    let mut letters = text.chars().filter(|c| c.is_alphabetic()).peekable();
    letters.peek()?;
    letters.all(|c| c.is_ascii_alphabetic()).then_some(LanguageCode::En)
}

/// Hangul syllables, jamo and compatibility jamo.
fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// The longest prefix of `text` within `max_bytes`, cut between characters.
pub fn prefix(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let end = (0..=max_bytes).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    &text[..end]
}

/// The app's mood for Comprehend's answer, `MIXED` as `neutral`.
fn sentiment_of(output: &DetectSentimentOutput) -> Option<Sentiment> {
    let scores = output.sentiment_score()?;
    let (label, score) = match output.sentiment()? {
        SentimentType::Positive => ("positive", scores.positive()?),
        SentimentType::Negative => ("negative", scores.negative()?),
        SentimentType::Neutral => ("neutral", scores.neutral()?),
        SentimentType::Mixed => ("neutral", scores.mixed()?),
        _ => return None,
    };
    Some(Sentiment { label: label.to_owned(), score, source: COMPREHEND_SOURCE.to_owned() })
}
