//! A remote classifier with a deadline and the local model behind it.

use super::local::LocalSentiment;
use async_trait::async_trait;
use moodchat_core::SentimentProvider;
use moodchat_protocol::chat::Sentiment;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Why a remote provider gave no usable answer.
#[derive(Debug)]
pub enum RemoteError {
    /// Missing credentials or key: nothing was sent.
    NotConfigured(String),
    /// Connection failure, TLS failure, reset, ...
    Transport(String),
    /// A non-2xx answer (the body is kept short: it may echo input).
    Status(u16, String),
    /// A 2xx answer we could not read a mood from.
    BadResponse(String),
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteError::NotConfigured(why) => write!(f, "not configured: {why}"),
            RemoteError::Transport(why) => write!(f, "request failed: {why}"),
            RemoteError::Status(status, body) => write!(f, "HTTP {status}: {body}"),
            RemoteError::BadResponse(why) => write!(f, "unreadable answer: {why}"),
        }
    }
}

impl std::error::Error for RemoteError {}

impl From<reqwest::Error> for RemoteError {
    fn from(error: reqwest::Error) -> Self {
        // Without the URL: it may carry a key in a query string on some gateways.
        RemoteError::Transport(error.without_url().to_string())
    }
}

/// Turns an HTTP answer into its body, or `RemoteError::Status`.
pub(crate) async fn success_body(response: reqwest::Response) -> Result<Vec<u8>, RemoteError> {
    let status = response.status();
    let body = response.bytes().await?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body);
        let short: String = text.chars().take(200).collect();
        return Err(RemoteError::Status(status.as_u16(), short));
    }
    Ok(body.to_vec())
}

/// A remote sentiment service.
#[async_trait]
pub trait RemoteClassifier: Send + Sync {
    /// The `Sentiment::source` of its answers ("comprehend", "openai").
    fn source(&self) -> &'static str;
    async fn classify(&self, text: &str) -> Result<Sentiment, RemoteError>;
}

/// Asks `remote` first, within `timeout`; otherwise the local model answers.
pub struct WithFallback<R> {
    remote: R,
    local: Arc<LocalSentiment>,
    timeout: Duration,
}

impl<R: RemoteClassifier> WithFallback<R> {
    pub fn new(remote: R, local: Arc<LocalSentiment>, timeout: Duration) -> Self {
        WithFallback { remote, local, timeout }
    }
}

#[async_trait]
impl<R: RemoteClassifier> SentimentProvider for WithFallback<R> {
    async fn classify(&self, text: &str) -> Option<Sentiment> {
        let source = self.remote.source();
        match tokio::time::timeout(self.timeout, self.remote.classify(text)).await {
            Ok(Ok(sentiment)) => return Some(sentiment),
            Ok(Err(error)) => tracing::warn!(provider = source, %error, "mood provider failed; using the local model"),
            Err(_) => tracing::warn!(
                provider = source,
                timeout_ms = self.timeout.as_millis() as u64,
                "mood provider timed out; using the local model"
            ),
        }
        self.local.classify(text).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mood::LOCAL_SOURCE;

    struct Scripted(Result<&'static str, ()>);

    #[async_trait]
    impl RemoteClassifier for Scripted {
        fn source(&self) -> &'static str {
            "scripted"
        }
        async fn classify(&self, _text: &str) -> Result<Sentiment, RemoteError> {
            match self.0 {
                Ok(label) => Ok(Sentiment { label: label.into(), score: 0.9, source: "scripted".into() }),
                Err(()) => Err(RemoteError::Status(503, "down".into())),
            }
        }
    }

    struct NeverAnswers;

    #[async_trait]
    impl RemoteClassifier for NeverAnswers {
        fn source(&self) -> &'static str {
            "never"
        }
        async fn classify(&self, _text: &str) -> Result<Sentiment, RemoteError> {
            std::future::pending().await
        }
    }

    fn local() -> Arc<LocalSentiment> {
        Arc::new(LocalSentiment::embedded())
    }

    #[tokio::test]
    async fn a_good_remote_answer_is_used_as_is() {
        let provider = WithFallback::new(Scripted(Ok("neutral")), local(), Duration::from_secs(5));
        let mood = provider.classify("I love this").await.unwrap();
        assert_eq!((mood.label.as_str(), mood.source.as_str()), ("neutral", "scripted"));
    }

    #[tokio::test]
    async fn a_failing_remote_falls_back_to_the_local_model() {
        let provider = WithFallback::new(Scripted(Err(())), local(), Duration::from_secs(5));
        let mood = provider.classify("I love this").await.unwrap();
        assert_eq!((mood.label.as_str(), mood.source.as_str()), ("positive", LOCAL_SOURCE));
    }

    #[tokio::test]
    async fn a_hanging_remote_costs_at_most_the_timeout() {
        let timeout = Duration::from_millis(100);
        let provider = WithFallback::new(NeverAnswers, local(), timeout);
        let started = std::time::Instant::now();
        let mood = provider.classify("this is terrible").await.unwrap();
        assert_eq!(mood.source, LOCAL_SOURCE);
        assert!(started.elapsed() >= timeout);
        assert!(started.elapsed() < timeout * 10, "took {:?}", started.elapsed());
    }
}
