//! Moods from Amazon Comprehend, against local HTTP endpoints: one that
//! answers `DetectSentiment` as Comprehend does (AWS JSON 1.1, the request
//! SigV4-signed for the `comprehend` service), one that answers an error,
//! and one that accepts the connection and never answers. The on-device
//! model answers whenever Comprehend does not, within the timeout.

use super::support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use moodchat_aws::comprehend::{language_of, prefix, ComprehendMood, COMPREHEND_SOURCE, MAX_TEXT_BYTES};
use moodchat_aws::functions::mood::{provider_for, LocalMood, LOCAL_SOURCE};
use moodchat_aws::sdk::Environment;
use moodchat_core::SentimentProvider;
use serde_json::{json, Value};

/// What the endpoint was asked: the headers that matter and the body.
#[derive(Clone, Default)]
struct Asked(Arc<Mutex<Vec<(String, String, Value)>>>);

impl Asked {
    fn take(&self) -> Vec<(String, String, Value)> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

/// A Comprehend-like endpoint answering with `answer` (status, body).
async fn endpoint(answer: fn(&Value) -> (StatusCode, Value)) -> (String, Asked) {
    let asked = Asked::default();
    let record = asked.clone();
    let app = Router::new().route(
        "/",
        post(move |headers: HeaderMap, body: String| async move {
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            record.0.lock().unwrap().push((header("x-amz-target"), header("authorization"), body.clone()));
            let (status, answer) = answer(&body);
            (status, [("content-type", "application/x-amz-json-1.1")], Json(answer))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, asked)
}

/// Positive, or mixed when the text says "mixed", as Comprehend answers.
fn comprehend_answer(body: &Value) -> (StatusCode, Value) {
    let mixed = body["Text"].as_str().unwrap_or_default().contains("mixed");
    let (label, scores) = if mixed { ("MIXED", [0.2, 0.15, 0.05, 0.6]) } else { ("POSITIVE", [0.91, 0.02, 0.06, 0.01]) };
    let answer = json!({"Sentiment": label, "SentimentScore":
        {"Positive": scores[0], "Negative": scores[1], "Neutral": scores[2], "Mixed": scores[3]}});
    (StatusCode::OK, answer)
}

fn provider(url: &str, timeout: Duration) -> ComprehendMood<LocalMood> {
    ComprehendMood::new(Environment::local(support::REGION).comprehend(Some(url)), timeout, LocalMood::embedded())
}

#[test]
fn korean_and_english_are_asked_in_their_language_and_mixed_is_neutral() {
    support::block_on(async {
        let (url, asked) = endpoint(comprehend_answer).await;
        let comprehend = provider(&url, Duration::from_secs(5));

        let mood = comprehend.classify("I love this, what a great day").await.unwrap();
        assert_eq!((mood.label.as_str(), mood.score, mood.source.as_str()), ("positive", 0.91, COMPREHEND_SOURCE));
        let mood = comprehend.classify("정말 좋아요, mixed feelings though").await.unwrap();
        assert_eq!((mood.label.as_str(), mood.score, mood.source.as_str()), ("neutral", 0.6, COMPREHEND_SOURCE));

        let requests = asked.take();
        let languages: Vec<&Value> = requests.iter().map(|(_, _, body)| &body["LanguageCode"]).collect();
        assert_eq!(languages, [&json!("en"), &json!("ko")]);
        for (target, authorization, _) in &requests {
            assert_eq!(target, "Comprehend_20171127.DetectSentiment");
            assert!(authorization.starts_with("AWS4-HMAC-SHA256 ") && authorization.contains("/us-east-1/comprehend/aws4_request"),
                "signed for Comprehend: {authorization}");
        }

        // Comprehend takes 5,000 bytes: a longer text is cut between characters.
        let long = "좋아요".repeat(1_000); // 9,000 bytes
        comprehend.classify(&long).await.unwrap();
        let sent = asked.take()[0].2["Text"].as_str().unwrap().to_owned();
        assert!(sent.len() <= MAX_TEXT_BYTES && sent.len() > MAX_TEXT_BYTES - 3 && long.starts_with(&sent));
    });
}

#[test]
fn other_languages_and_errors_get_the_on_device_model() {
    support::block_on(async {
        let (url, asked) = endpoint(comprehend_answer).await;
        let comprehend = provider(&url, Duration::from_secs(5));
        for text in ["Привет, как дела?", "très bien", "👍👍", "12345"] {
            let mood = comprehend.classify(text).await.unwrap();
            assert_eq!(mood.source, LOCAL_SOURCE, "{text}");
        }
        assert!(asked.take().is_empty(), "only Korean and English are sent to Comprehend");

        let (url, asked) = endpoint(|_| {
            (StatusCode::BAD_REQUEST, json!({"__type": "TextSizeLimitExceededException", "Message": "too long"}))
        })
        .await;
        let failing = provider(&url, Duration::from_secs(5));
        let mood = failing.classify("I hate waiting, this is terrible").await.unwrap();
        assert_eq!((mood.label.as_str(), mood.source.as_str()), ("negative", LOCAL_SOURCE));
        assert_eq!(asked.take().len(), 1, "asked once: a client error is not retried");
    });
}

#[test]
fn a_stalled_comprehend_gets_the_on_device_model_within_the_timeout() {
    support::block_on(async {
        let stalled = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", stalled.local_addr().unwrap());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = stalled.accept().await {
                held.push(socket); // read nothing, answer nothing
            }
        });
        let timeout = Duration::from_millis(300);
        let comprehend = provider(&url, timeout);
        let started = Instant::now();
        let mood = comprehend.classify("what a wonderful surprise, thank you").await.unwrap();
        let took = started.elapsed();
        assert_eq!((mood.label.as_str(), mood.source.as_str()), ("positive", LOCAL_SOURCE));
        assert!(took >= timeout && took < timeout + Duration::from_secs(1), "the fallback came after {took:?}");
    });
}

#[test]
fn the_provider_is_chosen_by_the_template_s_variables() {
    support::block_on(async {
        let (url, asked) = endpoint(comprehend_answer).await;
        let text = "I love this, what a great day";
        let never = || -> aws_sdk_comprehend::Client { panic!("no Comprehend client for the local provider") };
        for (provider, timeout) in [(None, None), (Some("local"), Some("800"))] {
            let local = provider_for(provider, timeout, never).unwrap();
            assert_eq!(local.classify(text).await.unwrap().source, LOCAL_SOURCE);
        }
        let client = || Environment::local(support::REGION).comprehend(Some(&url));
        let comprehend = provider_for(Some("comprehend"), None, client).unwrap();
        assert_eq!(comprehend.classify(text).await.unwrap().source, COMPREHEND_SOURCE);
        assert_eq!(asked.take().len(), 1);

        let error = |result: Result<_, String>| result.err().unwrap_or_default();
        assert!(error(provider_for(Some("comprehend"), Some("soon"), client)).contains("MOODCHAT_MOOD_TIMEOUT_MS"));
        assert!(error(provider_for(Some("openai"), None, never)).contains("local or comprehend"));
    });
}

#[test]
fn the_language_is_read_from_the_text() {
    use aws_sdk_comprehend::types::LanguageCode;
    assert_eq!(language_of("hello there"), Some(LanguageCode::En));
    assert_eq!(language_of("안녕하세요"), Some(LanguageCode::Ko));
    assert_eq!(language_of("ㅋㅋㅋ ok"), Some(LanguageCode::Ko));
    assert_eq!(language_of("café"), None);
    assert_eq!(language_of("🙂 123"), None);
    assert_eq!(prefix("가나", 4), "가");
}
