//! Time per message for `Model::predict` (native), without extra dependencies:
//! cargo bench -p moodchat-sentiment --bench predict
//!
//! Uses the committed weights and a mix of short chat messages plus the
//! NSMC/SST-2/TweetEval test texts when the data directory is available.

#[path = "../tests/support/mod.rs"]
mod support;

use moodchat_sentiment::Model;
use std::hint::black_box;
use std::time::Instant;

const CHAT: &[&str] = &[
    "정말 최고의 영화였어요 ㅋㅋ",
    "최악이다 ㅠㅠ",
    "I love this",
    "this is terrible",
    "The meeting is at 3pm",
    "not good",
    "내일 3시에 회의 있어요",
    "와 대박 😍😍",
    "ugh, my flight got cancelled :(",
    "Can you send me the file?",
];

fn data_texts() -> Vec<String> {
    let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())).join("../../../shared/data/sentiment");
    let mut texts = Vec::new();
    for (file, column, skip) in [("nsmc_like_test.tsv", 0, 1), ("sst2_test.tsv", 1, 1), ("tweet_test_text.txt", 0, 0)] {
        if let Ok(content) = std::fs::read_to_string(dir.join(file)) {
            texts.extend(
                content.lines().skip(skip).take(5000).filter_map(|l| l.split('\t').nth(column)).map(str::to_string),
            );
        }
    }
    texts
}

fn time(name: &str, model: &Model, texts: &[&str], min_messages: usize) {
    let mut done = 0usize;
    let start = Instant::now();
    while done < min_messages {
        for t in texts {
            black_box(model.predict(black_box(t)));
        }
        done += texts.len();
    }
    let micros = start.elapsed().as_secs_f64() * 1e6 / done as f64;
    let avg_chars = texts.iter().map(|t| t.chars().count()).sum::<usize>() as f64 / texts.len() as f64;
    println!("{name:<28} {micros:>7.2} µs/message  ({done} messages, avg {avg_chars:.0} chars)");
}

fn main() {
    let model = Model::from_bytes(include_bytes!("../weights/moodchat-sentiment.bin")).expect("weights load");
    time("warm-up", &model, CHAT, 20_000);
    time("chat messages", &model, CHAT, 200_000);
    // Same texts as the browser timing in tests/wasm_golden.rs, for a like-for-like comparison.
    time("golden set (as wasm test)", &model, support::GOLDEN_TEXTS, 200_000);
    let data = data_texts();
    if data.is_empty() {
        println!("(data directory not found: skipped test-set texts)");
    } else {
        let refs: Vec<&str> = data.iter().map(String::as_str).collect();
        time("NSMC+SST-2+TweetEval texts", &model, &refs, 100_000);
    }
    let start = Instant::now();
    let loaded = Model::from_bytes(include_bytes!("../weights/moodchat-sentiment.bin")).expect("weights load");
    println!("Model::from_bytes            {:>7.2} ms", start.elapsed().as_secs_f64() * 1e3);
    black_box(loaded);
}
