//! Training pipeline (feature `train`): data loading, AdaGrad logistic
//! regression, int8 quantisation, dev-set calibration, metrics.

pub mod calibrate;
pub mod chat;
pub mod data;
mod datasets;
pub mod metrics;
pub mod trainer;

use crate::model::Model;
use crate::tokenize::has_hangul_syllable;
use data::{Corpus, Example};
use std::io::{self, Write};
use std::path::PathBuf;
use trainer::{FeatureTable, TrainConfig};

pub use datasets::{dev_report, load_training_data, DevSets, PipelineOptions};
use datasets::dev_logits;

/// This crate's directory (crates/sentiment): the one cargo names when it
/// runs us (`cargo test`, `cargo run`), else where we were compiled. A target
/// directory shared by two clones keeps a binary built in one fresh for the
/// other (its sources are older), and the first clone may be gone.
pub fn crate_dir() -> PathBuf {
    match std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) {
        Some(dir) if dir.join("src/train/mod.rs").is_file() => dir,
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")),
    }
}

/// The repository root, derived from this crate's location (crates/sentiment).
pub fn repo_root() -> PathBuf {
    crate_dir().join("../..")
}

/// `../shared/data/sentiment` relative to the repository root.
pub fn default_data_dir() -> PathBuf {
    repo_root().join("../shared/data/sentiment")
}

pub fn default_weights_path() -> PathBuf {
    crate_dir().join("weights/moodchat-sentiment.bin")
}

/// Size of `bytes` after gzip -9.
pub fn gzip_len(bytes: &[u8]) -> usize {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail").len()
}

/// Loads data, trains, quantises and calibrates. Deterministic.
///
/// With `cross_fit_tweets`, the TweetEval val rows are split into
/// `tweet_val_train_every` folds; for each fold a model is trained on the
/// other rows and calibrated on that fold, then the final model is trained on
/// all rows and gets the mean of the folds' calibrations. Every tweet is
/// trained on once, and every calibration is still fitted on tweets its
/// model did not see.
///
/// With `chat_train_on_dev`, the recipe first trains without the chat dev
/// split and fits the calibration on it (as without the option), then trains
/// again with the chat dev rows and applies that calibration: the shipped
/// model learns from every chat message that is not test, and its offsets
/// are still fitted on rows that their model did not train on.
pub fn run_pipeline(opts: &PipelineOptions, config: &TrainConfig) -> io::Result<Model> {
    if opts.chat_train_on_dev && opts.chat_dir.is_some() {
        let without_dev = PipelineOptions { chat_train_on_dev: false, ..opts.clone() };
        let (quantized, dev) = train_quantized(&without_dev, config, 0)?;
        let cal = fit_calibration(opts, &quantized, &dev);
        if opts.verbose {
            let report = dev_report(&dev, calibrated_logits(&quantized, &cal), false);
            eprintln!("without the chat dev split, calibrated: {report}");
        }
        let (quantized, dev) = train_quantized(opts, config, 0)?;
        return finish(opts, &quantized, &cal, &dev);
    }
    let every = opts.tweet_val_train_every;
    if !opts.cross_fit_tweets || every < 2 {
        let (quantized, dev) = train_quantized(opts, config, 0)?;
        let cal = fit_calibration(opts, &quantized, &dev);
        return finish(opts, &quantized, &cal, &dev);
    }
    let mut cals = Vec::new();
    for fold in 0..every {
        // The fold-th rows of each group of `every` go to training here, so
        // the calibration set is the other rows; over all folds, each row
        // is calibrated on by the models that did not train on it.
        let (quantized, dev) = train_quantized(opts, config, fold)?;
        let cal = fit_calibration(opts, &quantized, &dev);
        if opts.verbose {
            let report = dev_report(&dev, calibrated_logits(&quantized, &cal), false);
            eprintln!("fold {fold} calibrated: {report}");
        }
        cals.push(cal);
    }
    let all = PipelineOptions { tweet_val_train_every: 1, ..opts.clone() };
    let (quantized, dev) = train_quantized(&all, config, 0)?;
    let n = cals.len() as f32;
    let cal = calibrate::Calibration {
        offsets: calibrate::Offsets {
            neutral: cals.iter().map(|c| c.offsets.neutral).sum::<f32>() / n,
            polarity: cals.iter().map(|c| c.offsets.polarity).sum::<f32>() / n,
            korean_polarity: cals.iter().map(|c| c.offsets.korean_polarity).sum::<f32>() / n,
        },
        temperature: cals.iter().map(|c| c.temperature).sum::<f32>() / n,
    };
    finish(opts, &quantized, &cal, &dev)
}

fn invalid_model(e: crate::ModelError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

/// Logits of a model after a calibration (without building the model).
fn calibrated_logits<'a>(model: &'a Model, cal: &'a calibrate::Calibration) -> impl FnMut(&str) -> [f32; 3] + 'a {
    let mut extractor = crate::features::FeatureExtractor::new();
    let mut scratch = Vec::new();
    move |t| {
        extractor.extract(t, &mut scratch);
        let korean = has_hangul_syllable(t);
        cal.offsets.shift(model.logits(&scratch, korean), korean).map(|v| v * cal.temperature)
    }
}

/// Trains on everything but the calibration rows of `tweet_fold` and quantises.
fn train_quantized(opts: &PipelineOptions, config: &TrainConfig, tweet_fold: usize) -> io::Result<(Model, DevSets)> {
    let log = |msg: String| {
        if opts.verbose {
            eprintln!("{msg}");
        }
    };
    let (train_set, dev) = load_training_data(opts, config, tweet_fold)?;
    let count = |c: Corpus| train_set.iter().filter(|e| e.corpus == c).count();
    log(format!(
        "train: {} NSMC (+{} mid ratings), {} SST-2, {} GoEmotions, {} TweetEval, {} chat, {} registry lexicon entries; dev: {} NSMC holdout, {} SST-2, {} GoEmotions, {} TweetEval val, {}+{} chat",
        count(Corpus::Nsmc),
        count(Corpus::NsmcMid),
        count(Corpus::Sst2),
        count(Corpus::GoEmotions),
        count(Corpus::TweetEval),
        count(Corpus::Chat),
        count(Corpus::RegistryLexicon),
        dev.nsmc_holdout.len(),
        dev.sst2_dev.len(),
        dev.goe_dev.len(),
        dev.tweet_val.len(),
        dev.chat_ko.len(),
        dev.chat_en.len()
    ));
    let started = std::time::Instant::now();
    let table = FeatureTable::build(train_set.iter().map(|e| e.text.as_str()));
    log(format!("features extracted in {:.1?}", started.elapsed()));
    let lexicon_only = |c: Corpus| (0..table.len()).filter(|&i| train_set[i].corpus == c && table.is_lexicon_only(i)).count();
    log(format!(
        "lexicon-only messages: {} NSMC, {} SST-2 (not trained on), {} GoEmotions, {} TweetEval, {} lexicon",
        lexicon_only(Corpus::Nsmc),
        lexicon_only(Corpus::Sst2),
        lexicon_only(Corpus::GoEmotions),
        lexicon_only(Corpus::TweetEval),
        lexicon_only(Corpus::Lexicon),
    ));

    let mut extractor = crate::features::FeatureExtractor::new();
    let mut scratch = Vec::new();
    let float_model = trainer::train(&train_set, &table, config, |epoch, model| {
        if opts.verbose && !dev.tweet_val.is_empty() {
            let report = dev_report(
                &dev,
                |t| {
                    extractor.extract(t, &mut scratch);
                    model.logits(&scratch)
                },
                true,
            );
            eprintln!("epoch {epoch} ({:.1?}): {report}", started.elapsed());
        }
    });
    let quantized = trainer::quantize(&float_model, config).map_err(invalid_model)?;
    Ok((quantized, dev))
}

fn fit_calibration(opts: &PipelineOptions, quantized: &Model, dev: &DevSets) -> calibrate::Calibration {
    let mut extractor = crate::features::FeatureExtractor::new();
    let mut scratch = Vec::new();
    let mut model_logits = |t: &str| {
        extractor.extract(t, &mut scratch);
        quantized.logits(&scratch, has_hangul_syllable(t))
    };
    let logits = dev_logits(dev, &mut model_logits);
    let korean = dev.korean_flags();
    let cal = calibrate::fit(&dev.scored(&korean, &logits));
    if opts.verbose {
        eprintln!(
            "calibration: neutral offset {:+.2}, polarity offset {:+.2}, Korean polarity offset {:+.2}, temperature {:.2}",
            cal.offsets.neutral, cal.offsets.polarity, cal.offsets.korean_polarity, cal.temperature
        );
    }
    cal
}

/// The committed (int8, calibrated) model's figures on `dev`.
fn int8_report(model: &Model, dev: &DevSets) -> String {
    let mut extractor = crate::features::FeatureExtractor::new();
    let mut scratch = Vec::new();
    dev_report(
        dev,
        |t| {
            extractor.extract(t, &mut scratch);
            model.logits(&scratch, has_hangul_syllable(t))
        },
        false,
    )
}

/// Applies the calibration and reports the final model on the dev sets.
fn finish(opts: &PipelineOptions, quantized: &Model, cal: &calibrate::Calibration, dev: &DevSets) -> io::Result<Model> {
    let model = calibrate::apply(quantized, cal).map_err(invalid_model)?;
    if opts.verbose {
        let report = int8_report(&model, dev);
        let note = if dev.tweet_val.is_empty() { " (every tweet trained on: tweet figures are the folds' above)" } else { "" };
        eprintln!("final int8 model: {report}{note}");
    }
    if !dev.chat_heldout[0].is_empty() {
        // Cross-fitting: chat training rows this model never saw, with the dev split (calibrated on) beside.
        let acc = |rows: &[Example]| {
            let preds: Vec<_> = rows.iter().map(|e| model.predict(&e.text)).collect();
            metrics::accuracy3(&metrics::confusion(rows, &preds))
        };
        eprintln!(
            "CHAT HELD-OUT fold: ko {:.4} ({} rows) en {:.4} ({} rows)",
            acc(&dev.chat_heldout[0]),
            dev.chat_heldout[0].len(),
            acc(&dev.chat_heldout[1]),
            dev.chat_heldout[1].len()
        );
    }
    if let Some(cmp) = &dev.compare {
        let report = int8_report(&model, cmp);
        eprintln!("COMPARE (held-aside dev halves, nothing fitted on them): {report}");
        let preds: Vec<_> = cmp.tweet_val.iter().map(|e| model.predict(&e.text)).collect();
        let m = metrics::confusion(&cmp.tweet_val, &preds);
        let recall = |g: usize| m[g][g] as f64 / m[g].iter().sum::<usize>().max(1) as f64;
        eprintln!(
            "compare tweets: recall neg {:.3} neu {:.3} pos {:.3}; confusion (rows gold neg/neu/pos) {m:?}",
            recall(0),
            recall(1),
            recall(2)
        );
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::data::{Corpus, Example, Target};
    use super::trainer::{self, FeatureTable, TrainConfig};
    use super::*;
    use crate::Label;

    fn synthetic() -> Vec<Example> {
        let mut out = Vec::new();
        let pos = ["좋아요 최고", "great movie", "love it 😊", "재밌다 ㅋㅋ", "so good :)"];
        let neg = ["최악 ㅠㅠ", "terrible film", "hate it 😞", "재미없다", "so bad :("];
        let neu = ["meeting at 3", "see you tomorrow", "the file is here"];
        for round in 0..20 {
            for (i, t) in pos.iter().enumerate() {
                let text = format!("{t} {}", round * 7 + i);
                out.push(Example { text, target: Target::Binary { positive: true }, corpus: Corpus::Sst2 });
            }
            for t in neg {
                out.push(Example { text: t.to_string(), target: Target::Binary { positive: false }, corpus: Corpus::Nsmc });
            }
            for t in neu {
                out.push(Example { text: t.to_string(), target: Target::ThreeWay(Label::Neutral), corpus: Corpus::GoEmotions });
            }
            out.push(Example { text: "yay 🎉".into(), target: Target::ThreeWay(Label::Positive), corpus: Corpus::GoEmotions });
        }
        out
    }

    fn train_bytes(config: &TrainConfig) -> Vec<u8> {
        let examples = synthetic();
        let table = FeatureTable::build(examples.iter().map(|e| e.text.as_str()));
        let model = trainer::train(&examples, &table, config, |_, _| {});
        trainer::quantize(&model, config).unwrap().to_bytes()
    }

    fn small_config() -> TrainConfig {
        TrainConfig { polarity_bits: 12, neutral_bits: 10, epochs: 3, average_epochs: true, ..TrainConfig::default() }
    }

    #[test]
    fn training_is_byte_for_byte_reproducible() {
        let config = small_config();
        assert_eq!(train_bytes(&config), train_bytes(&config));
        let other_seed = TrainConfig { seed: 7, ..small_config() };
        assert_ne!(train_bytes(&config), train_bytes(&other_seed));
    }

    #[test]
    fn training_with_an_embedding_head_is_reproducible() {
        for hidden in [0, 8] {
            let config = TrainConfig { head_bits: 10, head_dim: 8, head_hidden: hidden, ..small_config() };
            let stacked = TrainConfig { head_stacked: true, ..config.clone() };
            assert_eq!(train_bytes(&stacked), train_bytes(&stacked));
            let bytes = train_bytes(&config);
            assert_eq!(bytes, train_bytes(&config));
            assert_ne!(bytes, train_bytes(&TrainConfig { seed: 7, ..config.clone() }));
            let model = crate::Model::from_bytes(&bytes).unwrap();
            assert!(model.head().is_some());
            let neg = model.predict("terrible film, hate it").probs;
            assert!(neg[Label::Negative.index()] > neg[Label::Positive.index()], "{neg:?}");
            let pos = model.predict("최고 좋아요 99").probs;
            assert!(pos[Label::Positive.index()] > pos[Label::Negative.index()], "{pos:?}");
        }
    }

    #[test]
    fn trained_model_learns_the_synthetic_task() {
        let model = crate::Model::from_bytes(&train_bytes(&small_config())).unwrap();
        // Polarity-only examples teach P(pos) vs P(neg), not the neutral margin
        // (that comes from calibration, which this test does not run).
        // (Texts with a non-lexicon token, so they take the n-gram path.)
        let pos = model.predict("최고 좋아요 99").probs;
        assert!(pos[Label::Positive.index()] > pos[Label::Negative.index()], "{pos:?}");
        let neg = model.predict("terrible film, hate it").probs;
        assert!(neg[Label::Negative.index()] > neg[Label::Positive.index()], "{neg:?}");
        assert_eq!(model.predict("see you at the meeting").label, Label::Neutral);
    }

    /// The real pipeline (loading, training, quantisation, calibration) on a
    /// small subsample of the real data, twice: the weights must be identical.
    #[test]
    fn real_data_subsample_gives_identical_weights() {
        let opts = PipelineOptions {
            data_dir: default_data_dir(),
            max_per_corpus: 1500,
            nsmc_holdout: 500,
            tweet_val_train_every: 2,
            cross_fit_tweets: false,
            nsmc_mid: false,
            compare: false,
            chat_dir: Some(chat::default_chat_dir()),
            lexicon_dir: Some(chat::default_lexicon_dir()),
            chat_fold: Some((0, 3)),
            chat_train_on_dev: true,
            verbose: false,
        };
        if !opts.data_dir.join("README.md").exists() {
            eprintln!("skipping: no data at {}", opts.data_dir.display());
            return;
        }
        let config = TrainConfig { polarity_bits: 14, neutral_bits: 12, epochs: 2, ..TrainConfig::default() };
        let a = run_pipeline(&opts, &config).unwrap().to_bytes();
        let b = run_pipeline(&opts, &config).unwrap().to_bytes();
        assert_eq!(a, b);
    }
}
