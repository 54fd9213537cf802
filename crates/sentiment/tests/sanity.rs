//! Obvious messages must get the obvious label with the committed weights.

use moodchat_sentiment::{Label, Model};

fn model() -> Model {
    Model::from_bytes(include_bytes!("../weights/moodchat-sentiment.bin")).expect("committed weights load")
}

fn assert_label(model: &Model, text: &str, want: Label) {
    let p = model.predict(text);
    assert_eq!(p.label, want, "{text:?} -> {p:?}");
    assert_eq!(p.score, p.probs[want.index()]);
}

#[test]
fn korean() {
    let m = model();
    assert_label(&m, "정말 최고의 영화였어요 ㅋㅋ", Label::Positive);
    assert_label(&m, "최악이다 ㅠㅠ", Label::Negative);
    // Pre-verb negation (negation scope + lexicon cue flipped).
    assert_label(&m, "안 좋아", Label::Negative);
    assert_label(&m, "싫어", Label::Negative);
    assert_label(&m, "좋아", Label::Positive);
}

/// Messages made only of emoji, emoticons, ㅋㅋ/ㅠㅠ and lexicon words take
/// the lexicon-only feature path: they mean what the cue means in chat, not
/// what it means in a movie review (ㅠㅠ = moved, a bare ㅋㅋ = sarcasm).
#[test]
fn cue_only_chat_messages() {
    let m = model();
    for text in ["ㅋㅋ", "ㅋㅋㅋㅋㅋㅋ", "ㅎㅎ", "😊", "😂", "👍", "❤️", ":)", "^^", "lol", "ㅋㅋㅋ 😂"] {
        assert_label(&m, text, Label::Positive);
    }
    for text in ["ㅠㅠ", "ㅜㅜ", "ㅜㅜ 너무 슬퍼요", "ㅠㅠ 슬퍼", "😭", "😢😢", "😡", ":(", "T_T", "ugh", "no :(", "별로"] {
        assert_label(&m, text, Label::Negative);
    }
}

#[test]
fn english() {
    let m = model();
    assert_label(&m, "I love this", Label::Positive);
    assert_label(&m, "this is terrible", Label::Negative);
    assert_label(&m, "The meeting is at 3pm", Label::Neutral);
    assert_label(&m, "not good", Label::Negative);
}

#[test]
fn probabilities_are_sane_and_deterministic() {
    let m = model();
    for text in ["", "ㅋㅋ", "😊", "hello there", "별로다"] {
        let p = m.predict(text);
        let sum: f32 = p.probs.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5, "{text:?}: {p:?}");
        assert!(p.probs.iter().all(|v| v.is_finite() && *v >= 0.0));
        assert_eq!(p, m.predict(text));
    }
}

#[cfg(feature = "embedded")]
#[test]
fn embedded_model_is_the_committed_file() {
    assert_eq!(Model::embedded(), model());
}
