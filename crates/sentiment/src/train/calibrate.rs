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
//! 2. a temperature is fitted by negative log-likelihood on the three-way dev
//!    data so that `score` is a meaningful probability. The temperature
//!    rescales all logits and therefore never changes the predicted label.

use super::data::{Example, Target};
use super::metrics::{binary_accuracy, confusion, macro_f1, macro_recall};
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
}

impl Offsets {
    fn shift(self, l: [f32; 3]) -> [f32; 3] {
        [l[0] - self.polarity, l[1] + self.neutral, l[2] + self.polarity]
    }

    fn predictions(self, logits: &[[f32; 3]]) -> Vec<Prediction> {
        logits.iter().map(|&l| prediction(self.shift(l))).collect()
    }
}

/// A dev set with the uncalibrated logits of every example.
#[derive(Clone, Copy)]
pub struct Scored<'a> {
    pub examples: &'a [Example],
    pub logits: &'a [[f32; 3]],
}

/// The calibration data: three-way sets and one binary set.
#[derive(Clone, Copy)]
pub struct CalibrationSets<'a> {
    pub tweet_val: Scored<'a>,
    pub goe_dev: Scored<'a>,
    /// Binary sets (SST-2 dev, NSMC holdout when there is one).
    pub binary: [Scored<'a>; 2],
}

/// The metrics the offsets are chosen by.
#[derive(Clone, Copy, Debug)]
pub struct Objective {
    pub tweet_macro_recall: f64,
    pub goe_macro_f1: f64,
    /// Mean accuracy over the non-empty binary sets.
    pub binary_accuracy: f64,
}

impl Objective {
    pub fn mean(&self) -> f64 {
        (self.tweet_macro_recall + self.goe_macro_f1 + self.binary_accuracy) / 3.0
    }
}

pub fn objective(sets: &CalibrationSets, offsets: Offsets) -> Objective {
    let three_way = |s: Scored| confusion(s.examples, &offsets.predictions(s.logits));
    Objective {
        tweet_macro_recall: macro_recall(&three_way(sets.tweet_val)),
        goe_macro_f1: macro_f1(&three_way(sets.goe_dev)),
        binary_accuracy: mean_binary_accuracy(&sets.binary, offsets),
    }
}

fn mean_binary_accuracy(sets: &[Scored], offsets: Offsets) -> f64 {
    let non_empty: Vec<&Scored> = sets.iter().filter(|s| !s.examples.is_empty()).collect();
    let sum: f64 = non_empty.iter().map(|s| binary_accuracy(s.examples, &offsets.predictions(s.logits))).sum();
    sum / non_empty.len().max(1) as f64
}

/// Best offsets on a fixed grid (first maximum wins: deterministic).
pub fn best_offsets(sets: &CalibrationSets) -> Offsets {
    let mut best = (f64::MIN, Offsets::default());
    for n in -60..=60 {
        for p in -20..=20 {
            let offsets = Offsets { neutral: n as f32 * 0.05, polarity: p as f32 * 0.05 };
            let score = objective(sets, offsets).mean();
            if score > best.0 {
                best = (score, offsets);
            }
        }
    }
    best.1
}

fn nll(logits: &[[f32; 3]], examples: &[Example], offsets: Offsets, temperature: f32) -> f64 {
    let mut total = 0.0;
    for (&l, ex) in logits.iter().zip(examples) {
        if let Target::ThreeWay(gold) = ex.target {
            let p = softmax3(offsets.shift(l).map(|v| v * temperature));
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
        let loss = nll(sets.tweet_val.logits, sets.tweet_val.examples, offsets, t)
            + nll(sets.goe_dev.logits, sets.goe_dev.examples, offsets, t);
        if loss < best.0 {
            best = (loss, t);
        }
    }
    Calibration { offsets, temperature: best.1 }
}

/// Folds the calibration into the model's scales and biases.
pub fn apply(model: &Model, cal: &Calibration) -> Result<Model, ModelError> {
    let mut parts = model.to_parts();
    parts.biases = cal.offsets.shift(parts.biases);
    let t = cal.temperature;
    parts.biases = parts.biases.map(|b| b * t);
    parts.polarity_scale *= t;
    parts.neutral_scale *= t;
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
        let sets = CalibrationSets {
            tweet_val: Scored { examples: &examples, logits: &logits },
            goe_dev: Scored { examples: &examples, logits: &logits },
            binary: [Scored { examples: &binary, logits: &[[0.0, 0.0, 1.0]] }, Scored { examples: &[], logits: &[] }],
        };
        assert!(objective(&sets, Offsets::default()).tweet_macro_recall < 0.7);
        let best = best_offsets(&sets);
        let got = objective(&sets, best);
        assert_eq!(got.tweet_macro_recall, 1.0, "{best:?}");
        assert_eq!(got.binary_accuracy, 1.0);
        assert!(best.neutral >= 0.25 && best.neutral < 1.0, "{best:?}");
    }
}
