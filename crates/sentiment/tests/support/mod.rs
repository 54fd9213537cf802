//! Shared by the native and wasm golden tests: the golden file format is
//! `text<TAB>label<TAB>p_neg<TAB>p_neu<TAB>p_pos`, probabilities as the exact
//! f32 bit patterns in hex (so "equal" means bit-identical, not "close").

#![allow(dead_code)]

use moodchat_sentiment::{Model, Prediction};

pub const WEIGHTS: &[u8] = include_bytes!("../../weights/moodchat-sentiment.bin");
pub const GOLDEN: &str = include_str!("../golden.tsv");

/// Messages covering Korean, English, emoji, emoticons, laughter/crying,
/// negation, mixed scripts, URLs, mentions, empty and long input.
pub const GOLDEN_TEXTS: &[&str] = &[
    "정말 최고의 영화였어요 ㅋㅋ",
    "최악이다 ㅠㅠ",
    "I love this",
    "this is terrible",
    "The meeting is at 3pm",
    "not good",
    "",
    "   ",
    "ㅋㅋㅋㅋㅋㅋㅋ",
    "ㅠㅠㅠ",
    "ㅜㅜ 너무 슬퍼요",
    "안 좋아",
    "재미없어요",
    "별로 재미 없었다",
    "내일 3시에 회의 있어요",
    "배고프다",
    "와 대박 😍😍",
    "오늘 날씨 좋다 ^^",
    "진짜 짜증나네 -_-",
    "고마워요! 덕분에 살았어요",
    "I don't like it at all",
    "not bad, actually pretty fun",
    "Thanks so much!! :)",
    "ugh, my flight got cancelled :(",
    "lol that's hilarious 😂",
    "Can you send me the file?",
    "@user check https://example.com/a?b=c",
    "What a waste of time.",
    "never again 👎",
    "I'm so happy for you ❤️",
    "This movie was sooooo boring",
    "Mixed 한국어 and English, 좋아요 good",
    "💔",
    "👍",
    "OK",
    "?",
    "the plot is thin but the acting is wonderful",
    "it isn't the worst thing i've seen, but it's close",
    "오늘 점심 뭐 먹지?",
    "감동적이었어요. 다시 보고 싶네요",
    "시간 아깝다 진짜",
    "an absolute masterpiece, funny and moving",
    "Ich weiß nicht 🤷",
    "xD xD xD",
    "This is the longest message in the golden set: it goes on and on about the weather, the trains, a sandwich, and the neighbour's dog, and it ends without any strong feeling at all.",
];

pub fn format_line(text: &str, p: &Prediction) -> String {
    format!(
        "{text}\t{}\t{:08x}\t{:08x}\t{:08x}",
        p.label.as_str(),
        p.probs[0].to_bits(),
        p.probs[1].to_bits(),
        p.probs[2].to_bits()
    )
}

pub fn golden_lines(model: &Model) -> Vec<String> {
    GOLDEN_TEXTS.iter().map(|t| format_line(t, &model.predict(t))).collect()
}

/// Returns the mismatching lines (expected, actual), empty when all match.
pub fn mismatches(model: &Model) -> Vec<(String, String)> {
    let expected: Vec<&str> = GOLDEN.lines().collect();
    let actual = golden_lines(model);
    assert_eq!(expected.len(), actual.len(), "golden.tsv has a different number of lines than GOLDEN_TEXTS");
    expected
        .iter()
        .zip(actual)
        .filter(|(e, a)| **e != a.as_str())
        .map(|(e, a)| (e.to_string(), a))
        .collect()
}
