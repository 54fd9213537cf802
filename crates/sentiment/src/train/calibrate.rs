//! Post-training calibration on dev data (never on test files):
//! 1. two bias offsets are chosen on a grid: a neutral offset (added to the
//!    neutral logit) and a polarity offset (added to the positive logit and
//!    subtracted from the negative one). Binary corpora teach only polarity
//!    and GoEmotions' label mix sets the raw neutral bias, so neither bias is
//!    right for tweets or chat. The objective is the mean of TweetEval-val
//!    macro-recall, GoEmotions-dev macro-F1 and the mean binary accuracy on
//!    SST-2 dev and the NSMC holdout: one calibration has to serve every
//!    domain and language (the domain is not known at inference time), and the
//!    binary terms keep the polarity offset from buying tweet recall with
//!    review accuracy;
//! 2. a Korean polarity offset (on top of the polarity offset, for messages
//!    with a Hangul syllable) maximising accuracy on the NSMC holdout. With
//!    one shared offset, the grid traded Korean against English accuracy
//!    (up to a point of NSMC holdout accuracy in some runs); all three-way
//!    dev data is English, so step 1 does not see this offset;
//! 3. a temperature is fitted by negative log-likelihood on the three-way dev
//!    data so that `score` is a meaningful probability. The temperature
//!    rescales all logits and therefore never changes the predicted label.

use super::data::{Example, Target};
use super::metrics::{accuracy3, binary_accuracy, confusion, macro_f1, macro_recall};
use crate::math::softmax3;
use crate::model::{Label, Model, ModelError, Prediction};

fn prediction(logits: [f32; 3]) -> Prediction {
    let probs = softmax3(logits);
    let mut best = 0;
    for c in 1..3 {
        if probs[c] > probs[best] {
            best = c;
        }
    }
    Prediction { label: Label::ALL[best], score: probs[best], probs }
}

/// Bias offsets found by `fit`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Offsets {
    pub neutral: f32,
    pub polarity: f32,
    /// Extra polarity offset for Korean messages (see `Model::logits`).
    pub korean_polarity: f32,
}

impl Offsets {
    pub fn shift(self, l: [f32; 3], korean: bool) -> [f32; 3] {
        let p = self.polarity + if korean { self.korean_polarity } else { 0.0 };
        [l[0] - p, l[1] + self.neutral, l[2] + p]
    }

    fn predictions(self, s: Scored) -> Vec<Prediction> {
        s.logits.iter().zip(s.korean).map(|(&l, &k)| prediction(self.shift(l, k))).collect()
    }
}

/// A dev set with the uncalibrated logits of every example and whether it is
/// Korean (has a Hangul syllable).
#[derive(Clone, Copy)]
pub struct Scored<'a> {
    pub examples: &'a [Example],
    pub logits: &'a [[f32; 3]],
    pub korean: &'a [bool],
}

/// The calibration data: three-way sets and the binary sets per language.
#[derive(Clone, Copy)]
pub struct CalibrationSets<'a> {
    pub tweet_val: Scored<'a>,
    pub goe_dev: Scored<'a>,
    /// SST-2 dev.
    pub english_binary: Scored<'a>,
    /// NSMC holdout (may be empty).
    pub korean_binary: Scored<'a>,
    /// moodchat's chat dev split per language (may be empty).
    pub chat_ko: Scored<'a>,
    pub chat_en: Scored<'a>,
}

/// The metrics the offsets are chosen by.
#[derive(Clone, Copy, Debug)]
pub struct Objective {
    pub tweet_macro_recall: f64,
    pub goe_macro_f1: f64,
    /// Accuracy on the English binary set.
    pub binary_accuracy: f64,
    /// Accuracy on the Korean binary set (not part of `mean`: the Korean
    /// offset is fitted on it separately).
    pub korean_binary_accuracy: f64,
    /// Three-way accuracy on the chat dev splits (0 when there are none).
    pub chat_ko_accuracy: f64,
    pub chat_en_accuracy: f64,
    pub chat_ko_macro_recall: f64,
    pub chat_en_macro_recall: f64,
    has_chat: bool,
}

impl Objective {
    /// What the shared offsets maximise: every domain counts once, and chat
    /// (what moodchat is for) once per language.
    pub fn mean(&self) -> f64 {
        let public = self.tweet_macro_recall + self.goe_macro_f1 + self.binary_accuracy;
        if self.has_chat {
            (public + self.chat_ko_macro_recall + self.chat_en_macro_recall) / 5.0
        } else {
            public / 3.0
        }
    }

    /// What the Korean polarity offset maximises.
    pub fn korean(&self) -> f64 {
        if self.has_chat { (self.korean_binary_accuracy + self.chat_ko_macro_recall) / 2.0 } else { self.korean_binary_accuracy }
    }
}

pub fn objective(sets: &CalibrationSets, offsets: Offsets) -> Objective {
    let three_way = |s: Scored| confusion(s.examples, &offsets.predictions(s));
    let binary = |s: Scored| binary_accuracy(s.examples, &offsets.predictions(s));
    let (chat_ko, chat_en) = (three_way(sets.chat_ko), three_way(sets.chat_en));
    Objective {
        tweet_macro_recall: macro_recall(&three_way(sets.tweet_val)),
        goe_macro_f1: macro_f1(&three_way(sets.goe_dev)),
        binary_accuracy: binary(sets.english_binary),
        korean_binary_accuracy: binary(sets.korean_binary),
        chat_ko_accuracy: accuracy3(&chat_ko),
        chat_en_accuracy: accuracy3(&chat_en),
        chat_ko_macro_recall: macro_recall(&chat_ko),
        chat_en_macro_recall: macro_recall(&chat_en),
        has_chat: !sets.chat_ko.examples.is_empty() && !sets.chat_en.examples.is_empty(),
    }
}

/// Best offsets on a fixed grid (first maximum wins: deterministic).
pub fn best_offsets(sets: &CalibrationSets) -> Offsets {
    let mut best = (f64::MIN, Offsets::default());
    for n in -60..=60 {
        for p in -20..=20 {
            let offsets = Offsets { neutral: n as f32 * 0.05, polarity: p as f32 * 0.05, korean_polarity: 0.0 };
            let score = objective(sets, offsets).mean();
            if score > best.0 {
                best = (score, offsets);
            }
        }
    }
    let mut offsets = best.1;
    if !sets.korean_binary.examples.is_empty() || !sets.chat_ko.examples.is_empty() {
        // Grid from 0 outwards (0, +0.05, -0.05, ...) so that ties keep the
        // smallest correction.
        let mut best_k = (f64::MIN, 0.0);
        for i in 0..=80 {
            let k = if i % 2 == 1 { (i / 2 + 1) as f32 * 0.05 } else { -((i / 2) as f32) * 0.05 };
            let acc = objective(sets, Offsets { korean_polarity: k, ..offsets }).korean();
            if acc > best_k.0 {
                best_k = (acc, k);
            }
        }
        offsets.korean_polarity = best_k.1;
    }
    offsets
}

fn nll(s: Scored, offsets: Offsets, temperature: f32) -> f64 {
    let mut total = 0.0;
    for ((&l, ex), &korean) in s.logits.iter().zip(s.examples).zip(s.korean) {
        if let Target::ThreeWay(gold) = ex.target {
            let p = softmax3(offsets.shift(l, korean).map(|v| v * temperature));
            total -= (p[gold.index()].max(1e-12) as f64).ln();
        }
    }
    total
}

#[derive(Clone, Copy, Debug)]
pub struct Calibration {
    pub offsets: Offsets,
    pub temperature: f32,
}

/// Finds the calibration from the logits of an uncalibrated model.
pub fn fit(sets: &CalibrationSets) -> Calibration {
    let offsets = best_offsets(sets);
    let mut best = (f64::MAX, 1.0f32);
    for step in 1..=100 {
        let t = step as f32 * 0.05;
        let loss = nll(sets.tweet_val, offsets, t) + nll(sets.goe_dev, offsets, t) + nll(sets.chat_ko, offsets, t) + nll(sets.chat_en, offsets, t);
        if loss < best.0 {
            best = (loss, t);
        }
    }
    Calibration { offsets, temperature: best.1 }
}

/// Folds the calibration into the model's scales and biases.
pub fn apply(model: &Model, cal: &Calibration) -> Result<Model, ModelError> {
    let mut parts = model.to_parts();
    parts.biases = cal.offsets.shift(parts.biases, false);
    parts.korean_polarity += cal.offsets.korean_polarity;
    let t = cal.temperature;
    parts.biases = parts.biases.map(|b| b * t);
    parts.korean_polarity *= t;
    parts.polarity_scale *= t;
    parts.neutral_scale *= t;
    if let Some(head) = &mut parts.head {
        // The head's outputs are linear in w2.
        head.w2.iter_mut().for_each(|w| *w *= t);
    }
    Model::from_parts(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::data::Corpus;

    fn three_way(label: Label) -> Example {
        Example { text: String::new(), target: Target::ThreeWay(label), corpus: Corpus::TweetEval }
    }

    #[test]
    fn offsets_fix_a_model_that_never_says_neutral() {
        // Neutral examples score a little below the polar ones: a neutral
        // offset of about +0.5 makes every prediction right.
        let examples = [three_way(Label::Negative), three_way(Label::Neutral), three_way(Label::Positive)];
        let logits = [[2.0, 1.0, 0.0], [0.5, 0.2, 0.4], [0.0, 1.0, 2.0]];
        let binary = [Example { text: String::new(), target: Target::Binary { positive: true }, corpus: Corpus::Sst2 }];
        let english = [false; 3];
        let sets = CalibrationSets {
            tweet_val: Scored { examples: &examples, logits: &logits, korean: &english },
            goe_dev: Scored { examples: &examples, logits: &logits, korean: &english },
            english_binary: Scored { examples: &binary, logits: &[[0.0, 0.0, 1.0]], korean: &[false] },
            korean_binary: Scored { examples: &[], logits: &[], korean: &[] },
            chat_ko: Scored { examples: &[], logits: &[], korean: &[] },
            chat_en: Scored { examples: &[], logits: &[], korean: &[] },
        };
        assert!(objective(&sets, Offsets::default()).tweet_macro_recall < 0.7);
        let best = best_offsets(&sets);
        let got = objective(&sets, best);
        assert_eq!(got.tweet_macro_recall, 1.0, "{best:?}");
        assert_eq!(got.binary_accuracy, 1.0);
        assert!(best.neutral >= 0.25 && best.neutral < 1.0, "{best:?}");
        assert_eq!(best.korean_polarity, 0.0, "no Korean data, no Korean offset");
    }

    #[test]
    fn korean_offset_fixes_korean_bias_without_touching_english() {
        // Korean reviews all lean negative by 0.3; English ones are right.
        let pos = Example { text: String::new(), target: Target::Binary { positive: true }, corpus: Corpus::Nsmc };
        let neg = Example { text: String::new(), target: Target::Binary { positive: false }, corpus: Corpus::Nsmc };
        let korean = [pos.clone(), neg.clone(), pos.clone(), neg.clone()];
        let korean_logits = [[0.2, 0.0, 0.0], [0.6, 0.0, 0.0], [0.1, 0.0, 0.0], [0.5, 0.0, 0.0]];
        let english = [pos, neg];
        let english_logits = [[0.0, 0.0, 0.3], [0.3, 0.0, 0.0]];
        let three = [three_way(Label::Negative), three_way(Label::Neutral), three_way(Label::Positive)];
        let three_logits = [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]];
        let sets = CalibrationSets {
            tweet_val: Scored { examples: &three, logits: &three_logits, korean: &[false; 3] },
            goe_dev: Scored { examples: &three, logits: &three_logits, korean: &[false; 3] },
            english_binary: Scored { examples: &english, logits: &english_logits, korean: &[false; 2] },
            korean_binary: Scored { examples: &korean, logits: &korean_logits, korean: &[true; 4] },
            chat_ko: Scored { examples: &[], logits: &[], korean: &[] },
            chat_en: Scored { examples: &[], logits: &[], korean: &[] },
        };
        let best = best_offsets(&sets);
        let got = objective(&sets, best);
        assert_eq!(got.korean_binary_accuracy, 1.0, "{best:?}");
        assert_eq!(got.binary_accuracy, 1.0, "{best:?}");
        assert!(best.korean_polarity > 0.0, "{best:?}");
    }
}
