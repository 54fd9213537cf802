//! Browser half of the native-vs-wasm identity check: the same golden file,
//! generated natively, must be reproduced bit for bit in wasm32. Also times
//! predict() in the browser.
//!
//! cargo test -p moodchat-sentiment --target wasm32-unknown-unknown --tests

#![cfg(target_arch = "wasm32")]

mod support;

use moodchat_sentiment::Model;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn wasm_predictions_match_native_golden_file() {
    let model = Model::from_bytes(support::WEIGHTS).expect("committed weights load");
    let bad = support::mismatches(&model);
    assert!(bad.is_empty(), "{} golden mismatches, first: {:?}", bad.len(), bad.first());
}

#[wasm_bindgen_test]
fn wasm_time_per_message() {
    let model = Model::from_bytes(support::WEIGHTS).expect("committed weights load");
    let performance = web_sys::window().expect("window").performance().expect("performance");
    let texts = support::GOLDEN_TEXTS;
    // Warm up (JIT tier-up, page-in of the weights).
    for t in texts {
        std::hint::black_box(model.predict(t));
    }
    let rounds = 200;
    let start = performance.now();
    let mut positives = 0usize;
    for _ in 0..rounds {
        for t in texts {
            positives += (model.predict(t).label == moodchat_sentiment::Label::Positive) as usize;
        }
    }
    let elapsed_ms = performance.now() - start;
    let messages = rounds * texts.len();
    let micros = elapsed_ms * 1000.0 / messages as f64;
    console_log!("wasm predict(): {micros:.2} µs per message ({messages} messages, golden set)");
    assert!(positives > 0 && micros > 0.0);
}
