//! Training pipeline (feature `train`): data loading, AdaGrad logistic
//! regression, int8 quantisation, dev-set calibration, metrics.

pub mod calibrate;
pub mod chat;
pub mod data;
pub mod metrics;
pub mod trainer;

use crate::model::Model;
use crate::tokenize::has_hangul_syllable;
use data::{Corpus, Example};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use trainer::{FeatureTable, TrainConfig};

/// The repository root, derived from this crate's location (crates/sentiment).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/data/sentiment` relative to the repository root.
pub fn default_data_dir() -> PathBuf {
    repo_root().join("../shared/data/sentiment")
}

pub fn default_weights_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("weights/moodchat-sentiment.bin")
}

/// Size of `bytes` after gzip -9.
pub fn gzip_len(bytes: &[u8]) -> usize {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail").len()
}

/// What to train on and how much to print.
#[derive(Clone, Debug)]
pub struct PipelineOptions {
    pub data_dir: PathBuf,
    /// Keep at most this many rows per training corpus (0 = all).
    pub max_per_corpus: usize,
    /// NSMC train rows (taken from the end) held out for monitoring.
    pub nsmc_holdout: usize,
    /// Every k-th TweetEval val row goes to training, the rest stays for calibration (0 = none).
    pub tweet_val_train_every: usize,
    /// Cross-fit: train on all TweetEval val rows, with the calibration
    /// averaged over `tweet_val_train_every` folds (see `run_pipeline`).
    pub cross_fit_tweets: bool,
    /// Also train on `nsmc_neutral_5_8.tsv` as weak labels (`TrainConfig::nsmc_mid_weight`).
    pub nsmc_mid: bool,
    /// Compare mode: every dev set is split in two (odd rows are set aside);
    /// calibration is fitted on the even rows only and the calibrated model
    /// is scored once on the odd rows, which nothing was fitted on. Used to
    /// compare variants; the shipped model calibrates on all dev rows.
    pub compare: bool,
    /// moodchat's chat data (`chat::default_chat_dir()`); None = not used.
    pub chat_dir: Option<PathBuf>,
    /// The registry lexicons (`chat::default_lexicon_dir()`); None = not used.
    pub lexicon_dir: Option<PathBuf>,
    /// Cross-fitting: (fold, folds) = the chat training rows of that fold
    /// are left out of training and kept in `DevSets::chat_heldout`.
    pub chat_fold: Option<(usize, usize)>,
    /// Train on the chat dev split too, with the calibration of the same
    /// recipe trained without it (see `run_pipeline`).
    pub chat_train_on_dev: bool,
    pub verbose: bool,
}

/// Dev data used for calibration and monitoring (never test files).
pub struct DevSets {
    pub nsmc_holdout: Vec<Example>,
    pub sst2_dev: Vec<Example>,
    pub goe_dev: Vec<Example>,
    pub tweet_val: Vec<Example>,
    /// Chat dev split per language (calibration and monitoring).
    pub chat_ko: Vec<Example>,
    pub chat_en: Vec<Example>,
    /// Chat training rows of the left-out fold (cross-fitting), [ko, en].
    pub chat_heldout: [Vec<Example>; 2],
    /// In compare mode, the held-aside rows (see `PipelineOptions::compare`).
    pub compare: Option<Box<DevSets>>,
}

/// Training data and dev sets; `tweet_fold` picks which TweetEval val rows
/// (index % every == fold) are trained on.
pub fn load_training_data(opts: &PipelineOptions, config: &TrainConfig, tweet_fold: usize) -> io::Result<(Vec<Example>, DevSets)> {
    let dir = &opts.data_dir;
    let nsmc_mid = if opts.nsmc_mid { data::load_nsmc_mid(dir, "nsmc_neutral_5_8.tsv")? } else { Vec::new() };
    let mut nsmc = data::load_nsmc(dir, "nsmc_like_train.tsv")?;
    let holdout = nsmc.split_off(nsmc.len() - opts.nsmc_holdout.min(nsmc.len()));
    let sst2 = data::load_sst2(dir, "sst2_train.tsv")?;
    let (goe, _) = data::load_goemotions(dir, "goe_group_train.tsv")?;
    let mut train = Vec::new();
    for corpus in [nsmc, sst2, goe, nsmc_mid] {
        train.extend(data::subsample(corpus, opts.max_per_corpus));
    }
    let (tweet_train, tweet_cal) = data::split_tweet_val(data::load_tweeteval(dir, "val")?, opts.tweet_val_train_every, tweet_fold);
    train.extend(tweet_train);
    train.extend(data::lexicon_examples());
    if let Some(lexicons) = opts.lexicon_dir.as_ref().filter(|_| config.registry_lexicon_weight > 0.0) {
        train.extend(chat::registry_lexicon_rows(lexicons)?);
    }
    let (mut chat_ko, mut chat_en, mut chat_heldout) = (Vec::new(), Vec::new(), [Vec::new(), Vec::new()]);
    if let Some(chat_dir) = &opts.chat_dir {
        for (l, lang) in chat::LANGS.into_iter().enumerate() {
            for row in chat::load_chat(chat_dir, lang, "train")? {
                match opts.chat_fold {
                    Some((fold, folds)) if row.fold(folds) == fold => chat_heldout[l].push(row.example),
                    _ => train.push(row.example),
                }
            }
        }
        chat_ko = chat::load_chat(chat_dir, "ko", "dev")?.into_iter().map(|r| r.example).collect();
        chat_en = chat::load_chat(chat_dir, "en", "dev")?.into_iter().map(|r| r.example).collect();
        if opts.chat_train_on_dev {
            train.append(&mut chat_ko);
            train.append(&mut chat_en);
        }
    }
    let dev = DevSets {
        nsmc_holdout: holdout,
        sst2_dev: data::load_sst2(dir, "sst2_dev.tsv")?,
        goe_dev: data::load_goemotions(dir, "goe_group_dev.tsv")?.0,
        tweet_val: tweet_cal,
        chat_ko,
        chat_en,
        chat_heldout,
        compare: None,
    };
    if opts.compare {
        return Ok((train, dev.split_compare()));
    }
    Ok((train, dev))
}

fn logits_of(examples: &[Example], mut logits: impl FnMut(&str) -> [f32; 3]) -> Vec<[f32; 3]> {
    examples.iter().map(|e| logits(&e.text)).collect()
}

/// Logits of every dev set, in `DevSets::sets` order.
type DevLogits = [Vec<[f32; 3]>; 6];

fn dev_logits(dev: &DevSets, mut logits: impl FnMut(&str) -> [f32; 3]) -> DevLogits {
    dev.sets().map(|set| logits_of(set, &mut logits))
}

/// One line of dev metrics for any logit function; with `calibrate`, the
/// bias offsets are first fitted on the same dev data (what calibration would do).
pub fn dev_report(dev: &DevSets, logits: impl FnMut(&str) -> [f32; 3], calibrate: bool) -> String {
    let logits = dev_logits(dev, logits);
    let korean = dev.korean_flags();
    let sets = dev.scored(&korean, &logits);
    let offsets = if calibrate { calibrate::best_offsets(&sets) } else { calibrate::Offsets::default() };
    let got = calibrate::objective(&sets, offsets);
    let nsmc_acc = if dev.nsmc_holdout.is_empty() { "n/a".to_string() } else { format!("{:.4}", got.korean_binary_accuracy) };
    format!(
        "nsmc-holdout acc {nsmc_acc}  sst2-dev acc {:.4}  goe-dev macroF1 {:.4}  tweet-val macroR {:.4}  chat-dev acc ko {:.4} en {:.4}  (offsets neutral {:+.2} polarity {:+.2} korean {:+.2})",
        got.binary_accuracy,
        got.goe_macro_f1,
        got.tweet_macro_recall,
        got.chat_ko_accuracy,
        got.chat_en_accuracy,
        offsets.neutral,
        offsets.polarity,
        offsets.korean_polarity,
    )
}

impl DevSets {
    /// [tweet, goe, sst2, nsmc, chat ko, chat en].
    fn sets(&self) -> [&[Example]; 6] {
        [&self.tweet_val, &self.goe_dev, &self.sst2_dev, &self.nsmc_holdout, &self.chat_ko, &self.chat_en]
    }

    /// Even rows stay for calibration, odd rows become the compare set.
    fn split_compare(self) -> DevSets {
        fn halves(rows: Vec<Example>) -> (Vec<Example>, Vec<Example>) {
            let (mut even, mut odd) = (Vec::new(), Vec::new());
            for (i, ex) in rows.into_iter().enumerate() {
                if i % 2 == 0 { even.push(ex) } else { odd.push(ex) }
            }
            (even, odd)
        }
        let (nsmc_fit, nsmc_cmp) = halves(self.nsmc_holdout);
        let (sst2_fit, sst2_cmp) = halves(self.sst2_dev);
        let (goe_fit, goe_cmp) = halves(self.goe_dev);
        let (tweet_fit, tweet_cmp) = halves(self.tweet_val);
        let (ko_fit, ko_cmp) = halves(self.chat_ko);
        let (en_fit, en_cmp) = halves(self.chat_en);
        DevSets {
            nsmc_holdout: nsmc_fit,
            sst2_dev: sst2_fit,
            goe_dev: goe_fit,
            tweet_val: tweet_fit,
            chat_ko: ko_fit,
            chat_en: en_fit,
            chat_heldout: self.chat_heldout,
            compare: Some(Box::new(DevSets {
                nsmc_holdout: nsmc_cmp,
                sst2_dev: sst2_cmp,
                goe_dev: goe_cmp,
                tweet_val: tweet_cmp,
                chat_ko: ko_cmp,
                chat_en: en_cmp,
                chat_heldout: [Vec::new(), Vec::new()],
                compare: None,
            })),
        }
    }

    /// Per example of every set (`sets` order): has a Hangul syllable.
    fn korean_flags(&self) -> [Vec<bool>; 6] {
        self.sets().map(|set| set.iter().map(|e| has_hangul_syllable(&e.text)).collect())
    }

    fn scored<'a>(&'a self, korean: &'a [Vec<bool>; 6], logits: &'a DevLogits) -> calibrate::CalibrationSets<'a> {
        let sets = self.sets();
        let scored = |i: usize| calibrate::Scored { examples: sets[i], logits: &logits[i], korean: &korean[i] };
        calibrate::CalibrationSets {
            tweet_val: scored(0),
            goe_dev: scored(1),
            english_binary: scored(2),
            korean_binary: scored(3),
            chat_ko: scored(4),
            chat_en: scored(5),
        }
    }
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
