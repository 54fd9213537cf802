//! Native half of the native-vs-wasm identity check (see wasm_golden.rs).
//! Regenerate after retraining with:
//! MOODCHAT_UPDATE_GOLDEN=1 cargo test -p moodchat-sentiment --test golden

mod support;

use moodchat_sentiment::Model;

#[test]
fn predictions_match_golden_file_bit_for_bit() {
    let model = Model::from_bytes(support::WEIGHTS).expect("committed weights load");
    if std::env::var_os("MOODCHAT_UPDATE_GOLDEN").is_some() {
        let path = format!("{}/tests/golden.tsv", std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()));
        std::fs::write(path, support::golden_lines(&model).join("\n") + "\n").unwrap();
        return;
    }
    let bad = support::mismatches(&model);
    assert!(bad.is_empty(), "{} golden mismatches, first: {:?}", bad.len(), bad.first());
}

#[test]
fn golden_file_covers_every_label() {
    for label in ["negative", "neutral", "positive"] {
        assert!(
            support::GOLDEN.lines().any(|l| l.split('\t').nth(1) == Some(label)),
            "no {label} line in golden.tsv"
        );
    }
}
