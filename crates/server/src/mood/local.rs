//! The message-mood port of the chat core, served by the on-device model
//! (crates/sentiment) compiled into the binary: no network call, a few
//! microseconds per message, so every message gets its mood before it is
//! broadcast.

use async_trait::async_trait;
use moodchat_core::SentimentProvider;
use moodchat_protocol::chat::Sentiment;
use moodchat_sentiment::{Model, Prediction};

/// What `Sentiment::source` says for moods computed by this provider.
pub const LOCAL_SOURCE: &str = "local";

pub struct LocalSentiment {
    model: Model,
}

impl LocalSentiment {
    pub fn embedded() -> Self {
        Self { model: Model::embedded() }
    }

    pub fn predict(&self, text: &str) -> Prediction {
        self.model.predict(text)
    }
}

#[async_trait]
impl SentimentProvider for LocalSentiment {
    async fn classify(&self, text: &str) -> Option<Sentiment> {
        let prediction = self.model.predict(text);
        Some(Sentiment {
            label: prediction.label.as_str().to_owned(),
            score: prediction.score,
            source: LOCAL_SOURCE.to_owned(),
        })
    }
}

/// `moodchat mood`: one message per line on `input`, `label<TAB>score` per
/// line on `output`, in the same order. Bytes that are not UTF-8 are read as
/// U+FFFD rather than stopping the run: one bad line must not lose the rest.
pub fn label_lines(mut input: impl std::io::BufRead, mut output: impl std::io::Write) -> std::io::Result<()> {
    let model = LocalSentiment::embedded();
    let mut line = Vec::new();
    while input.read_until(b'\n', &mut line)? > 0 {
        let text = String::from_utf8_lossy(&line);
        let prediction = model.predict(text.trim_end_matches(['\n', '\r']));
        writeln!(output, "{}\t{:.4}", prediction.label.as_str(), prediction.score)?;
        line.clear();
    }
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_message_gets_a_labelled_local_mood() {
        let provider = LocalSentiment::embedded();
        let happy = provider.classify("정말 최고의 하루였어요 ㅋㅋ").await.unwrap();
        assert_eq!(happy.label, "positive");
        assert_eq!(happy.source, LOCAL_SOURCE);
        assert!(happy.score > 0.0 && happy.score <= 1.0);
        let sad = provider.classify("this is terrible, I hate it").await.unwrap();
        assert_eq!(sad.label, "negative");
    }

    #[test]
    fn mood_command_prints_one_label_and_score_per_line() {
        let mut out = Vec::new();
        label_lines("I love this\n최악이다 ㅠㅠ\n".as_bytes(), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("positive\t"), "{out}");
        assert!(lines[1].starts_with("negative\t"), "{out}");
        let score: f32 = lines[0].split('\t').nth(1).unwrap().parse().unwrap();
        assert!((0.0..=1.0).contains(&score));
    }

    #[test]
    fn invalid_utf8_and_a_missing_final_newline_still_label_every_line() {
        let mut out = Vec::new();
        label_lines(&b"good \xff\xfe day\r\nno newline at the end"[..], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2);
    }
}
