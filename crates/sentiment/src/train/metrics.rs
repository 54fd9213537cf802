//! Evaluation metrics shared by the trainer (dev monitoring) and `sentiment-eval`.

use super::data::{Example, Target};
use crate::model::{Label, Prediction};

/// Binary accuracy: the prediction is positive when P(pos) > P(neg) (neutral
/// is ignored because the corpus has no neutral class). Ties count as negative.
pub fn binary_accuracy(examples: &[Example], preds: &[Prediction]) -> f64 {
    let mut correct = 0usize;
    let mut total = 0usize;
    for (ex, p) in examples.iter().zip(preds) {
        if let Target::Binary { positive } = ex.target {
            let said_positive = p.probs[Label::Positive.index()] > p.probs[Label::Negative.index()];
            correct += (said_positive == positive) as usize;
            total += 1;
        }
    }
    correct as f64 / total.max(1) as f64
}

/// 3x3 confusion matrix, rows = gold, columns = predicted label.
pub fn confusion(examples: &[Example], preds: &[Prediction]) -> [[usize; 3]; 3] {
    let mut m = [[0usize; 3]; 3];
    for (ex, p) in examples.iter().zip(preds) {
        if let Target::ThreeWay(gold) = ex.target {
            m[gold.index()][p.label.index()] += 1;
        }
    }
    m
}

/// Macro-averaged recall over the three classes (TweetEval's official metric).
pub fn macro_recall(m: &[[usize; 3]; 3]) -> f64 {
    (0..3)
        .map(|g| {
            let row: usize = m[g].iter().sum();
            if row == 0 { 0.0 } else { m[g][g] as f64 / row as f64 }
        })
        .sum::<f64>()
        / 3.0
}

/// Macro-averaged F1 over the three classes.
pub fn macro_f1(m: &[[usize; 3]; 3]) -> f64 {
    (0..3)
        .map(|c| {
            let tp = m[c][c] as f64;
            let gold: usize = m[c].iter().sum();
            let predicted: usize = (0..3).map(|g| m[g][c]).sum();
            if tp == 0.0 {
                0.0
            } else {
                let precision = tp / predicted as f64;
                let recall = tp / gold as f64;
                2.0 * precision * recall / (precision + recall)
            }
        })
        .sum::<f64>()
        / 3.0
}

pub fn accuracy3(m: &[[usize; 3]; 3]) -> f64 {
    let total: usize = m.iter().flatten().sum();
    (0..3).map(|c| m[c][c]).sum::<usize>() as f64 / total.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_metrics_on_known_matrix() {
        // gold neg: 8 right, 2 -> neu; gold neu: 5 right, 5 -> pos; gold pos: 10 right.
        let m = [[8, 2, 0], [0, 5, 5], [0, 0, 10]];
        assert!((macro_recall(&m) - (0.8 + 0.5 + 1.0) / 3.0).abs() < 1e-12);
        let f1_neg = 2.0 * 1.0 * 0.8 / 1.8;
        let f1_neu = 2.0 * (5.0 / 7.0) * 0.5 / (5.0 / 7.0 + 0.5);
        let f1_pos = 2.0 * (10.0 / 15.0) * 1.0 / (10.0 / 15.0 + 1.0);
        assert!((macro_f1(&m) - (f1_neg + f1_neu + f1_pos) / 3.0).abs() < 1e-12);
        assert!((accuracy3(&m) - 23.0 / 30.0).abs() < 1e-12);
    }
}
