//! Evaluates the weights file and the lexicon baseline on the test sets.
//!
//! cargo run -p moodchat-sentiment --profile server --features train --bin sentiment-eval -- \
//!     [--data DIR] [--weights FILE]
//!
//! Prints one markdown table (metrics, size, time per message). GoEmotions
//! rows with more than one group or the "ambiguous" group are dropped, the
//! same rule as in training/calibration; the counts are printed.

use moodchat_sentiment::train::data::{self, Example};
use moodchat_sentiment::train::{self, metrics};
use moodchat_sentiment::{lexicon, Model, Prediction};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

struct TestSets {
    nsmc: Vec<Example>,
    sst2: Vec<Example>,
    tweet: Vec<Example>,
    goe: Vec<Example>,
    goe_dropped: data::GoEmotionsDropped,
}

struct Scores {
    nsmc_acc: f64,
    sst2_acc: f64,
    tweet_macro_recall: f64,
    tweet_acc: f64,
    goe_macro_f1: f64,
    goe_acc: f64,
    micros_per_message: f64,
}

fn score(sets: &TestSets, mut predict: impl FnMut(&str) -> Prediction) -> Scores {
    let mut elapsed = 0.0f64;
    let mut count = 0usize;
    let mut run = |examples: &[Example]| -> Vec<Prediction> {
        let start = Instant::now();
        let preds: Vec<Prediction> = examples.iter().map(|e| predict(&e.text)).collect();
        elapsed += start.elapsed().as_secs_f64();
        count += examples.len();
        preds
    };
    let nsmc = run(&sets.nsmc);
    let sst2 = run(&sets.sst2);
    let tweet = run(&sets.tweet);
    let goe = run(&sets.goe);
    let tweet_m = metrics::confusion(&sets.tweet, &tweet);
    let goe_m = metrics::confusion(&sets.goe, &goe);
    Scores {
        nsmc_acc: metrics::binary_accuracy(&sets.nsmc, &nsmc),
        sst2_acc: metrics::binary_accuracy(&sets.sst2, &sst2),
        tweet_macro_recall: metrics::macro_recall(&tweet_m),
        tweet_acc: metrics::accuracy3(&tweet_m),
        goe_macro_f1: metrics::macro_f1(&goe_m),
        goe_acc: metrics::accuracy3(&goe_m),
        micros_per_message: elapsed * 1e6 / count.max(1) as f64,
    }
}

fn run() -> Result<(), String> {
    let mut data_dir = train::default_data_dir();
    let mut weights = train::default_weights_path();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => data_dir = PathBuf::from(value()?),
            "--weights" => weights = PathBuf::from(value()?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let bytes = std::fs::read(&weights).map_err(|e| format!("{}: {e}", weights.display()))?;
    let model = Model::from_bytes(&bytes).map_err(|e| e.to_string())?;
    let io = |e: std::io::Error| e.to_string();
    let (goe, goe_dropped) = data::load_goemotions(&data_dir, "goe_group_test.tsv").map_err(io)?;
    let sets = TestSets {
        nsmc: data::load_nsmc(&data_dir, "nsmc_like_test.tsv").map_err(io)?,
        sst2: data::load_sst2(&data_dir, "sst2_test.tsv").map_err(io)?,
        tweet: data::load_tweeteval(&data_dir, "test").map_err(io)?,
        goe,
        goe_dropped,
    };

    // Warm-up so that page faults on the weights do not count as inference time.
    for e in sets.nsmc.iter().take(2000) {
        std::hint::black_box(model.predict(&e.text));
    }
    let lex = score(&sets, lexicon::predict);
    let ours = score(&sets, |t| model.predict(t));

    let pct = |v: f64| format!("{:.2}%", v * 100.0);
    println!(
        "weights: {} (polarity table 2^{}, neutral table 2^{})",
        weights.display(),
        model.polarity_bits(),
        model.neutral_bits()
    );
    println!(
        "test rows: NSMC-like {}, SST-2 {}, TweetEval {}, GoEmotions-groups {} (dropped {} multi-group + {} ambiguous-only rows)",
        sets.nsmc.len(),
        sets.sst2.len(),
        sets.tweet.len(),
        sets.goe.len(),
        sets.goe_dropped.multi_group,
        sets.goe_dropped.ambiguous
    );
    println!();
    println!("| metric (test) | target | lexicon baseline | model |");
    println!("|---|---|---|---|");
    let row = |name: &str, target: &str, a: String, b: String| println!("| {name} | {target} | {a} | {b} |");
    row("NSMC-like accuracy (binary, P(pos) vs P(neg))", ">= 88.5%", pct(lex.nsmc_acc), pct(ours.nsmc_acc));
    row("SST-2 accuracy (binary)", ">= 85%", pct(lex.sst2_acc), pct(ours.sst2_acc));
    row("TweetEval macro-recall (3-class)", ">= 65%", pct(lex.tweet_macro_recall), pct(ours.tweet_macro_recall));
    row("TweetEval accuracy (3-class)", "", pct(lex.tweet_acc), pct(ours.tweet_acc));
    row("GoEmotions-groups macro-F1 (3-class)", "", pct(lex.goe_macro_f1), pct(ours.goe_macro_f1));
    row("GoEmotions-groups accuracy (3-class)", "", pct(lex.goe_acc), pct(ours.goe_acc));
    row("weights size, raw", "", "-".into(), format!("{} bytes", bytes.len()));
    row("weights size, gzip -9", "<= 1 MB", "-".into(), format!("{} bytes", train::gzip_len(&bytes)));
    row(
        "time per message (native, this machine, predict())",
        "<= 20 µs",
        format!("{:.2} µs", lex.micros_per_message),
        format!("{:.2} µs", ours.micros_per_message),
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sentiment-eval: {e}");
            ExitCode::FAILURE
        }
    }
}
