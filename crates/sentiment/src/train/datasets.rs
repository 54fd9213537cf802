//! What the pipeline trains on (`PipelineOptions`, `load_training_data`) and
//! the dev sets it calibrates and reports on (`DevSets`, `dev_report`).

use super::calibrate;
use super::chat;
use super::data::{self, Example};
use super::trainer::TrainConfig;
use crate::tokenize::has_hangul_syllable;
use std::io;
use std::path::PathBuf;

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
pub(super) type DevLogits = [Vec<[f32; 3]>; 6];

pub(super) fn dev_logits(dev: &DevSets, mut logits: impl FnMut(&str) -> [f32; 3]) -> DevLogits {
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
    pub(super) fn split_compare(self) -> DevSets {
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
    pub(super) fn korean_flags(&self) -> [Vec<bool>; 6] {
        self.sets().map(|set| set.iter().map(|e| has_hangul_syllable(&e.text)).collect())
    }

    pub(super) fn scored<'a>(&'a self, korean: &'a [Vec<bool>; 6], logits: &'a DevLogits) -> calibrate::CalibrationSets<'a> {
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

