//! AWS Comprehend `DetectSentiment` over its JSON protocol, signed with
//! SigV4 (`super::sigv4`). Korean or English is chosen per message from the
//! script; credentials come from the standard AWS environment variables.

use super::fallback::{success_body, RemoteClassifier, RemoteError};
use super::sigv4;
use async_trait::async_trait;
use moodchat_protocol::chat::Sentiment;
use serde::Deserialize;
use std::time::SystemTime;

pub const COMPREHEND_SOURCE: &str = "comprehend";
const TARGET: &str = "Comprehend_20171127.DetectSentiment";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// DetectSentiment refuses texts over 5,000 bytes of UTF-8.
const MAX_TEXT_BYTES: usize = 5000;

#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl Credentials {
    /// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
    pub fn from_env() -> Result<Credentials, RemoteError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            (Some(access_key_id), Some(secret_access_key)) => {
                Ok(Credentials { access_key_id, secret_access_key, session_token: var("AWS_SESSION_TOKEN") })
            }
            _ => Err(RemoteError::NotConfigured("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set".into())),
        }
    }
}

type CredentialSource = Box<dyn Fn() -> Result<Credentials, RemoteError> + Send + Sync>;

pub struct ComprehendClient {
    http: reqwest::Client,
    region: String,
    endpoint: reqwest::Url,
    credentials: CredentialSource,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DetectSentimentResponse {
    sentiment: String,
    sentiment_score: SentimentScore,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SentimentScore {
    positive: f32,
    negative: f32,
    neutral: f32,
    mixed: f32,
}

impl ComprehendClient {
    /// `endpoint` overrides `https://comprehend.<region>.amazonaws.com/`.
    /// `credentials` is asked on every call (so a missing key is a per-call
    /// fallback, not a startup failure).
    pub fn new(
        http: reqwest::Client,
        region: &str,
        endpoint: Option<&str>,
        credentials: impl Fn() -> Result<Credentials, RemoteError> + Send + Sync + 'static,
    ) -> Self {
        let default = format!("https://comprehend.{region}.amazonaws.com/");
        let endpoint = endpoint
            .and_then(|e| reqwest::Url::parse(e).ok())
            .unwrap_or_else(|| reqwest::Url::parse(&default).expect("region makes a valid URL"));
        ComprehendClient { http, region: region.to_owned(), endpoint, credentials: Box::new(credentials) }
    }

    pub fn endpoint(&self) -> &reqwest::Url {
        &self.endpoint
    }
}

fn truncate_to_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn to_sentiment(response: DetectSentimentResponse) -> Result<Sentiment, RemoteError> {
    let s = &response.sentiment_score;
    let (label, score) = match response.sentiment.as_str() {
        "POSITIVE" => ("positive", s.positive),
        "NEGATIVE" => ("negative", s.negative),
        // The chat has no "mixed" mood: both cancel out, shown as neutral.
        "NEUTRAL" | "MIXED" => ("neutral", s.neutral + s.mixed),
        other => return Err(RemoteError::BadResponse(format!("unknown Sentiment {other:?}"))),
    };
    if !score.is_finite() {
        return Err(RemoteError::BadResponse("non-finite score".into()));
    }
    Ok(Sentiment { label: label.to_owned(), score: score.clamp(0.0, 1.0), source: COMPREHEND_SOURCE.to_owned() })
}

#[async_trait]
impl RemoteClassifier for ComprehendClient {
    fn source(&self) -> &'static str {
        COMPREHEND_SOURCE
    }

    async fn classify(&self, text: &str) -> Result<Sentiment, RemoteError> {
        let credentials = (self.credentials)()?;
        let body = serde_json::json!({
            "Text": truncate_to_bytes(text, MAX_TEXT_BYTES),
            "LanguageCode": super::language_of(text),
        })
        .to_string();
        let headers = [("content-type", CONTENT_TYPE), ("x-amz-target", TARGET)];
        let keys = sigv4::SigningKeys {
            access_key_id: &credentials.access_key_id,
            secret_access_key: &credentials.secret_access_key,
            session_token: credentials.session_token.as_deref(),
        };
        let request = sigv4::Request { method: "POST", url: self.endpoint.as_str(), headers: &headers, payload: body.as_bytes() };
        let signed = sigv4::sign(&keys, &self.region, "comprehend", SystemTime::now(), &request)
            .map_err(RemoteError::NotConfigured)?;
        let mut builder = self.http.post(self.endpoint.clone());
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        for (name, value) in signed {
            builder = builder.header(name, value);
        }
        let response = builder.body(body).send().await?;
        let body = success_body(response).await?;
        let parsed: DetectSentimentResponse =
            serde_json::from_slice(&body).map_err(|e| RemoteError::BadResponse(e.to_string()))?;
        to_sentiment(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mood::{LocalSentiment, WithFallback, LOCAL_SOURCE};
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use moodchat_core::SentimentProvider;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    fn test_credentials() -> Result<Credentials, RemoteError> {
        Ok(Credentials {
            access_key_id: "AKIDTEST".into(),
            secret_access_key: "secret-for-tests".into(),
            session_token: Some("session-token".into()),
        })
    }

    /// What the fake Comprehend saw, for assertions.
    #[derive(Default)]
    struct Seen {
        language: Option<String>,
        signature_valid: bool,
    }

    /// Serves `handler` on 127.0.0.1:0 and returns its URL.
    async fn fake_server(router: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        url
    }

    /// Recomputes the signature from what actually arrived: proves the signed
    /// host/headers/body are the ones sent.
    fn signature_matches(headers: &HeaderMap, body: &[u8]) -> bool {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        // x-amz-date is YYYYMMDDTHHMMSSZ; RFC 3339 wants the separators.
        let amz = get("x-amz-date");
        if amz.len() != 16 {
            return false;
        }
        let rfc3339 = format!("{}-{}-{}T{}:{}:{}Z", &amz[0..4], &amz[4..6], &amz[6..8], &amz[9..11], &amz[11..13], &amz[13..15]);
        let Ok(at) = aws_smithy_types::DateTime::from_str(&rfc3339, aws_smithy_types::date_time::Format::DateTime) else {
            return false;
        };
        let Ok(time) = SystemTime::try_from(at) else { return false };
        let signed = [("content-type", get("content-type")), ("x-amz-target", get("x-amz-target"))];
        let pairs: Vec<(&str, &str)> = signed.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let token = get("x-amz-security-token");
        let keys = sigv4::SigningKeys {
            access_key_id: "AKIDTEST",
            secret_access_key: "secret-for-tests",
            session_token: (!token.is_empty()).then_some(token.as_str()),
        };
        let url = format!("http://{}/", get("host"));
        let request = sigv4::Request { method: "POST", url: &url, headers: &pairs, payload: body };
        let Ok(expected) = sigv4::sign(&keys, "ap-northeast-2", "comprehend", time, &request) else { return false };
        expected.iter().any(|(name, value)| name == "authorization" && *value == get("authorization"))
    }

    fn client(url: &str) -> ComprehendClient {
        ComprehendClient::new(reqwest::Client::new(), "ap-northeast-2", Some(url), test_credentials)
    }

    fn with_fallback(url: &str, timeout: Duration) -> WithFallback<ComprehendClient> {
        WithFallback::new(client(url), Arc::new(LocalSentiment::embedded()), timeout)
    }

    #[tokio::test]
    async fn a_signed_request_gets_comprehends_mood() {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let record = seen.clone();
        let router = axum::Router::new().route(
            "/",
            post(move |headers: HeaderMap, body: axum::body::Bytes| async move {
                let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let mut seen = record.lock().unwrap();
                seen.language = request["LanguageCode"].as_str().map(str::to_owned);
                seen.signature_valid = headers.get("x-amz-target").is_some_and(|t| t == TARGET)
                    && signature_matches(&headers, &body);
                axum::Json(serde_json::json!({
                    "Sentiment": "MIXED",
                    "SentimentScore": {"Positive": 0.2, "Negative": 0.1, "Neutral": 0.3, "Mixed": 0.4}
                }))
            }),
        );
        let url = fake_server(router).await;
        let mood = with_fallback(&url, Duration::from_secs(10)).classify("좋기도 하고 싫기도 해").await.unwrap();
        assert_eq!(mood.source, COMPREHEND_SOURCE);
        assert_eq!(mood.label, "neutral");
        assert!((mood.score - 0.7).abs() < 1e-6);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.language.as_deref(), Some("ko"));
        assert!(seen.signature_valid, "the fake server could not verify the signature");
    }

    #[tokio::test]
    async fn a_server_error_falls_back_to_the_local_model() {
        let router = axum::Router::new().route("/", post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }));
        let url = fake_server(router).await;
        let mood = with_fallback(&url, Duration::from_secs(10)).classify("I love this").await.unwrap();
        assert_eq!((mood.label.as_str(), mood.source.as_str()), ("positive", LOCAL_SOURCE));
        let direct = client(&url).classify("I love this").await.unwrap_err();
        assert!(matches!(direct, RemoteError::Status(500, _)), "{direct}");
    }

    #[tokio::test]
    async fn a_server_that_never_answers_costs_only_the_timeout() {
        let router = axum::Router::new().route("/", post(std::future::pending::<&'static str>));
        let url = fake_server(router).await;
        let timeout = Duration::from_millis(300);
        let started = std::time::Instant::now();
        let mood = with_fallback(&url, timeout).classify("this is terrible").await.unwrap();
        assert_eq!((mood.label.as_str(), mood.source.as_str()), ("negative", LOCAL_SOURCE));
        assert!(started.elapsed() < timeout * 5, "took {:?}", started.elapsed());
    }

    #[tokio::test]
    async fn missing_credentials_send_nothing_and_fall_back() {
        // Nothing listens on the discard port: reaching the network would be a Transport error.
        let no_keys = || Err(RemoteError::NotConfigured("none".into()));
        let remote = ComprehendClient::new(reqwest::Client::new(), "us-east-1", Some("http://127.0.0.1:9/"), no_keys);
        assert!(matches!(remote.classify("hi").await, Err(RemoteError::NotConfigured(_))));
        let provider = WithFallback::new(remote, Arc::new(LocalSentiment::embedded()), Duration::from_secs(5));
        assert_eq!(provider.classify("hi").await.unwrap().source, LOCAL_SOURCE);
    }

    #[test]
    fn labels_map_and_long_texts_are_cut_on_a_char_boundary() {
        let response = |label: &str| DetectSentimentResponse {
            sentiment: label.into(),
            sentiment_score: SentimentScore { positive: 0.9, negative: 0.05, neutral: 0.03, mixed: 0.02 },
        };
        assert_eq!(to_sentiment(response("POSITIVE")).unwrap().label, "positive");
        assert_eq!(to_sentiment(response("NEGATIVE")).unwrap().score, 0.05);
        assert!(to_sentiment(response("JOYFUL")).is_err());
        let korean = "가".repeat(2000); // 6,000 bytes
        let cut = truncate_to_bytes(&korean, MAX_TEXT_BYTES);
        assert_eq!(cut.len(), 4998);
        assert_eq!(truncate_to_bytes("short", MAX_TEXT_BYTES), "short");
    }

    #[test]
    fn the_default_endpoint_follows_the_region() {
        let c = ComprehendClient::new(reqwest::Client::new(), "ap-northeast-2", None, test_credentials);
        assert_eq!(c.endpoint().as_str(), "https://comprehend.ap-northeast-2.amazonaws.com/");
    }
}
