//! Post-training calibration on dev data (never on test files):
//! 1. the neutral bias is shifted to maximise the mean of TweetEval-val
//!    macro-recall and GoEmotions-dev macro-F1 (binary corpora teach only
//!    polarity, so the raw neutral bias reflects GoEmotions' label mix only);
//! 2. a temperature is fitted by negative log-likelihood on the same three-way
//!    dev data so that `score` is a meaningful probability. The temperature
//!    rescales all logits and therefore never changes the predicted label.

use super::data::{Example, Target};
use super::metrics::{confusion, macro_f1, macro_recall};
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

fn shifted(logits: &[[f32; 3]], neutral_offset: f32) -> Vec<Prediction> {
    logits.iter().map(|l| prediction([l[0], l[1] + neutral_offset, l[2]])).collect()
}

/// Objective for the neutral offset: mean of the two three-way dev metrics.
pub fn three_way_objective(
    tweet: (&[Example], &[[f32; 3]]),
    goe: (&[Example], &[[f32; 3]]),
    neutral_offset: f32,
) -> (f64, f64) {
    let tweet_recall = macro_recall(&confusion(tweet.0, &shifted(tweet.1, neutral_offset)));
    let goe_f1 = macro_f1(&confusion(goe.0, &shifted(goe.1, neutral_offset)));
    (tweet_recall, goe_f1)
}

/// Best neutral offset on a fixed grid (first maximum wins: deterministic).
pub fn best_neutral_offset(tweet: (&[Example], &[[f32; 3]]), goe: (&[Example], &[[f32; 3]])) -> f32 {
    let mut best = (f64::MIN, 0.0f32);
    for step in -200..=200 {
        let offset = step as f32 * 0.02;
        let (a, b) = three_way_objective(tweet, goe, offset);
        if (a + b) / 2.0 > best.0 {
            best = ((a + b) / 2.0, offset);
        }
    }
    best.1
}

fn nll(logits: &[[f32; 3]], examples: &[Example], temperature: f32) -> f64 {
    let mut total = 0.0;
    for (l, ex) in logits.iter().zip(examples) {
        if let Target::ThreeWay(gold) = ex.target {
            let p = softmax3(l.map(|v| v * temperature));
            total -= (p[gold.index()].max(1e-12) as f64).ln();
        }
    }
    total
}

pub struct Calibration {
    pub neutral_offset: f32,
    pub temperature: f32,
}

/// Finds the calibration from the logits of an uncalibrated model.
pub fn fit(
    tweet_val: &[Example],
    tweet_logits: &[[f32; 3]],
    goe_dev: &[Example],
    goe_logits: &[[f32; 3]],
) -> Calibration {
    let neutral_offset = best_neutral_offset((tweet_val, tweet_logits), (goe_dev, goe_logits));
    let shift = |ls: &[[f32; 3]]| -> Vec<[f32; 3]> { ls.iter().map(|l| [l[0], l[1] + neutral_offset, l[2]]).collect() };
    let (tl, gl) = (shift(tweet_logits), shift(goe_logits));
    let mut best = (f64::MAX, 1.0f32);
    for step in 1..=100 {
        let t = step as f32 * 0.05;
        let loss = nll(&tl, tweet_val, t) + nll(&gl, goe_dev, t);
        if loss < best.0 {
            best = (loss, t);
        }
    }
    Calibration { neutral_offset, temperature: best.1 }
}

/// Folds the calibration into the model's scales and biases.
pub fn apply(model: &Model, cal: &Calibration) -> Result<Model, ModelError> {
    let mut parts = model.to_parts();
    parts.biases[Label::Neutral.index()] += cal.neutral_offset;
    let t = cal.temperature;
    parts.biases = parts.biases.map(|b| b * t);
    parts.polarity_scale *= t;
    parts.neutral_scale *= t;
    Model::from_parts(parts)
}
