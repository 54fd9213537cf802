//! Multinomial logistic regression over hashed features, trained with AdaGrad.
//!
//! Polarity-only examples (NSMC, SST-2) use a softmax restricted to
//! {negative, positive}: they say nothing about neutrality, so they must not
//! push the neutral logit down. Three-way examples (GoEmotions groups) use the
//! full softmax and are the only source of the neutral class.
//!
//! Everything is single-threaded with a seeded xorshift shuffle and a fixed
//! summation order, so the same data and config give byte-identical weights.

use super::data::{Corpus, Example, Target};
use crate::features::FeatureExtractor;
use crate::model::{Model, ModelError, NUM_CLASSES};

#[derive(Clone, Debug)]
pub struct TrainConfig {
    pub bucket_bits: u8,
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty, applied to the weights an example touches (lazy, sparse).
    pub l2: f32,
    pub seed: u64,
    /// Per-corpus sample weights: balances 150k Korean reviews against the
    /// smaller English corpora and emphasises the only neutral-bearing corpus.
    pub nsmc_weight: f32,
    pub sst2_weight: f32,
    pub goemotions_weight: f32,
    /// Weights are clipped at this quantile of |w| per class before int8
    /// quantisation, so one outlier does not waste the 8-bit range.
    pub clip_quantile: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            bucket_bits: 20,
            epochs: 5,
            learning_rate: 0.2,
            l2: 0.0,
            seed: 0x6d6f_6f64,
            nsmc_weight: 1.0,
            sst2_weight: 1.0,
            goemotions_weight: 1.0,
            clip_quantile: 0.9999,
        }
    }
}

impl TrainConfig {
    fn weight_of(&self, corpus: Corpus) -> f32 {
        match corpus {
            Corpus::Nsmc => self.nsmc_weight,
            Corpus::Sst2 => self.sst2_weight,
            Corpus::GoEmotions => self.goemotions_weight,
            // Never trained on (calibration only), but keep the match total.
            Corpus::TweetEval => 1.0,
        }
    }
}

/// Feature buckets of many texts, extracted once and stored flat.
pub struct FeatureTable {
    offsets: Vec<usize>,
    buckets: Vec<u32>,
}

impl FeatureTable {
    pub fn build<'a>(texts: impl IntoIterator<Item = &'a str>, bucket_bits: u8) -> Self {
        let mut extractor = FeatureExtractor::new();
        let mut scratch = Vec::new();
        let mut offsets = vec![0];
        let mut buckets = Vec::new();
        for text in texts {
            extractor.extract(text, bucket_bits as u32, &mut scratch);
            buckets.extend_from_slice(&scratch);
            offsets.push(buckets.len());
        }
        FeatureTable { offsets, buckets }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> &[u32] {
        &self.buckets[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// Full-precision model used during training.
#[derive(Clone)]
pub struct FloatModel {
    pub bucket_bits: u8,
    /// Bucket-major, like `Model`.
    pub weights: Vec<f32>,
    pub biases: [f32; 3],
}

impl FloatModel {
    pub fn logits(&self, features: &[u32]) -> [f32; 3] {
        let mut sums = [0f32; 3];
        for &f in features {
            let at = f as usize * NUM_CLASSES;
            for c in 0..NUM_CLASSES {
                sums[c] += self.weights[at + c];
            }
        }
        let norm = norm(features.len());
        [0, 1, 2].map(|c| self.biases[c] + sums[c] * norm)
    }
}

fn norm(n: usize) -> f32 {
    if n == 0 { 0.0 } else { 1.0 / (n as f32).sqrt() }
}

/// xorshift64*: tiny, seedable and identical everywhere.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(crate::hash::avalanche(seed) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in 0..n (n > 0); the modulo bias is irrelevant for shuffling.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Gradient of the loss w.r.t. the three logits (times the sample weight).
fn logit_gradient(logits: [f32; 3], target: Target, weight: f32) -> [f32; 3] {
    match target {
        Target::Binary { positive } => {
            // Softmax over {negative, positive} only.
            let margin = (logits[2] - logits[0]) as f64;
            let p_pos = (1.0 / (1.0 + (-margin).exp())) as f32;
            let y_pos = if positive { 1.0 } else { 0.0 };
            let g = (p_pos - y_pos) * weight;
            [-g, 0.0, g]
        }
        Target::ThreeWay(label) => {
            let p = crate::math::softmax3(logits);
            let mut g = [0.0; 3];
            for c in 0..3 {
                let y = if c == label.index() { 1.0 } else { 0.0 };
                g[c] = (p[c] - y) * weight;
            }
            g
        }
    }
}

/// Trains on `examples` (whose features are `table`), calling `after_epoch`
/// with the current model after each epoch (for dev monitoring).
pub fn train(
    examples: &[Example],
    table: &FeatureTable,
    config: &TrainConfig,
    mut after_epoch: impl FnMut(usize, &FloatModel),
) -> FloatModel {
    assert_eq!(examples.len(), table.len());
    let n_weights = NUM_CLASSES << config.bucket_bits;
    let mut model = FloatModel { bucket_bits: config.bucket_bits, weights: vec![0.0; n_weights], biases: [0.0; 3] };
    // AdaGrad accumulators; starting at a small value avoids a huge first step.
    let mut grad_sq = vec![1e-4f32; n_weights];
    let mut bias_grad_sq = [1e-4f32; 3];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let lr = config.learning_rate;
    for epoch in 0..config.epochs {
        XorShift::new(config.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).shuffle(&mut order);
        for &i in &order {
            let features = table.get(i);
            let ex = &examples[i];
            let g = logit_gradient(model.logits(features), ex.target, config.weight_of(ex.corpus));
            let norm = norm(features.len());
            for c in 0..NUM_CLASSES {
                if g[c] == 0.0 {
                    continue;
                }
                bias_grad_sq[c] += g[c] * g[c];
                model.biases[c] -= lr * g[c] / bias_grad_sq[c].sqrt();
                let gc = g[c] * norm;
                for &f in features {
                    let at = f as usize * NUM_CLASSES + c;
                    let grad = gc + config.l2 * model.weights[at];
                    grad_sq[at] += grad * grad;
                    model.weights[at] -= lr * grad / grad_sq[at].sqrt();
                }
            }
        }
        after_epoch(epoch + 1, &model);
    }
    model
}

/// Int8 quantisation with one scale per class.
pub fn quantize(model: &FloatModel, clip_quantile: f64) -> Result<Model, ModelError> {
    let buckets = 1usize << model.bucket_bits;
    let mut scales = [1.0f32; 3];
    for c in 0..NUM_CLASSES {
        let mut mags: Vec<f32> = (0..buckets).map(|b| model.weights[b * NUM_CLASSES + c].abs()).collect();
        mags.sort_by(|a, b| a.total_cmp(b));
        let at = ((mags.len() - 1) as f64 * clip_quantile).round() as usize;
        let clip = mags[at.min(mags.len() - 1)];
        scales[c] = if clip > 0.0 { clip / 127.0 } else { 1.0 };
    }
    let weights = model
        .weights
        .iter()
        .enumerate()
        .map(|(i, &w)| (w / scales[i % NUM_CLASSES]).round().clamp(-127.0, 127.0) as i8)
        .collect();
    Model::from_parts(model.bucket_bits, scales, model.biases, weights)
}
