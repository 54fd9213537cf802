//! Message moods: the on-device model by default, optionally a remote
//! provider (AWS Comprehend or an OpenAI-compatible chat endpoint) behind the
//! same `SentimentProvider` port. A remote provider is always wrapped in
//! `WithFallback`: it gets at most `timeout`, and anything other than a clean
//! answer in time (outage, 5xx, garbage, missing credentials) is answered by
//! the local model instead, so no message is delayed beyond the timeout or
//! lost. `Sentiment::source` records who labelled each message.
//!
//! HTTPS goes through reqwest's `rustls-tls` (rustls + ring, Mozilla's root
//! certificates built in), so real Comprehend and api.openai.com work without
//! OpenSSL on the machine.

pub mod comprehend;
pub mod fallback;
mod local;
pub mod openai;
pub mod sigv4;

pub use fallback::{RemoteClassifier, RemoteError, WithFallback};
pub use local::{label_lines, LocalSentiment, LOCAL_SOURCE};

use moodchat_core::SentimentProvider;
use std::sync::Arc;
use std::time::Duration;

/// Which provider labels messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MoodProvider {
    #[default]
    Local,
    Comprehend,
    OpenAi,
}

/// Provider configuration, as read from flags / environment.
#[derive(Clone, Debug)]
pub struct MoodSettings {
    pub provider: MoodProvider,
    /// Budget for one remote call; after it the local model answers.
    pub timeout: Duration,
    pub comprehend_region: String,
    /// Overrides `https://comprehend.<region>.amazonaws.com` (tests, VPC endpoints).
    pub comprehend_endpoint: Option<String>,
    pub openai_base_url: String,
    pub openai_model: String,
    /// Name of the environment variable holding the API key (the key itself
    /// never goes through flags or logs).
    pub openai_api_key_env: String,
}

impl Default for MoodSettings {
    fn default() -> Self {
        MoodSettings {
            provider: MoodProvider::Local,
            timeout: Duration::from_millis(800),
            comprehend_region: "us-east-1".to_owned(),
            comprehend_endpoint: None,
            openai_base_url: "https://api.openai.com/v1".to_owned(),
            openai_model: "gpt-4o-mini".to_owned(),
            openai_api_key_env: "OPENAI_API_KEY".to_owned(),
        }
    }
}

/// The provider `build_router` plugs into the chat core.
pub fn provider(settings: &MoodSettings) -> anyhow::Result<Arc<dyn SentimentProvider>> {
    let local = Arc::new(LocalSentiment::embedded());
    let http = || {
        // The per-call budget is enforced by `WithFallback`; this client
        // timeout only stops abandoned connections from lingering.
        reqwest::Client::builder().timeout(settings.timeout * 4).build()
    };
    Ok(match settings.provider {
        MoodProvider::Local => local,
        MoodProvider::Comprehend => {
            let client = comprehend::ComprehendClient::new(
                http()?,
                &settings.comprehend_region,
                settings.comprehend_endpoint.as_deref(),
                comprehend::Credentials::from_env,
            );
            tracing::info!(region = %settings.comprehend_region, endpoint = %client.endpoint(), "moods from AWS Comprehend, local fallback");
            Arc::new(WithFallback::new(client, local, settings.timeout))
        }
        MoodProvider::OpenAi => {
            let api_key = std::env::var(&settings.openai_api_key_env).ok().filter(|k| !k.is_empty());
            if api_key.is_none() {
                tracing::warn!(env = %settings.openai_api_key_env, "no API key in the environment; calling the endpoint without one");
            }
            let client = openai::OpenAiClient::new(http()?, &settings.openai_base_url, &settings.openai_model, api_key);
            tracing::info!(base_url = %settings.openai_base_url, model = %settings.openai_model, "moods from an OpenAI-compatible endpoint, local fallback");
            Arc::new(WithFallback::new(client, local, settings.timeout))
        }
    })
}

/// "ko" when the text has Hangul and at least half as many Hangul characters
/// as Latin letters (a syllable carries about two letters' worth of word),
/// else "en": the two languages the chat (and Comprehend's request) distinguishes.
pub fn language_of(text: &str) -> &'static str {
    let (mut hangul, mut latin) = (0usize, 0usize);
    for c in text.chars() {
        if ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3131}'..='\u{318E}').contains(&c) {
            hangul += 1;
        } else if c.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    if hangul > 0 && hangul * 2 >= latin { "ko" } else { "en" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_follows_the_dominant_script() {
        assert_eq!(language_of("정말 좋아요 ㅋㅋ"), "ko");
        assert_eq!(language_of("I love this"), "en");
        assert_eq!(language_of("오늘 meeting 너무 길었다"), "ko");
        assert_eq!(language_of("😊"), "en");
        assert_eq!(language_of("watching the new episode tonight ㅋ"), "en");
    }

    #[tokio::test]
    async fn the_default_provider_is_the_local_model() {
        let provider = provider(&MoodSettings::default()).unwrap();
        let mood = provider.classify("I love this").await.unwrap();
        assert_eq!(mood.source, LOCAL_SOURCE);
        assert_eq!(mood.label, "positive");
    }
}
