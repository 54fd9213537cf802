//! Multinomial logistic regression over hashed features, trained with AdaGrad.
//!
//! Polarity-only examples (NSMC, SST-2) use a softmax restricted to
//! {negative, positive}: they say nothing about neutrality, so they must not
//! push the neutral logit down. Three-way examples (GoEmotions groups) use the
//! full softmax and are the only source of the neutral class.
//!
//! Two training-only choices (nothing changes at inference): polarity
//! buckets start at their naive-Bayes log-count ratio on the binary corpora
//! (`TrainConfig::nb_prior`), and three-way examples are class-balanced per
//! corpus (`TrainConfig::balance_classes`).
//!
//! Everything is single-threaded with a seeded xorshift shuffle and a fixed
//! summation order, so the same data and config give byte-identical weights.

use super::data::{Corpus, Example, Target};
use crate::features::FeatureExtractor;
use crate::model::{EmbeddingHead, Model, ModelError, ModelParts, MAX_EMBED_DIM, MAX_HIDDEN};

#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// log2 of the polarity table size.
    pub polarity_bits: u8,
    /// log2 of the neutral table size (neutral data is small: fewer buckets).
    pub neutral_bits: u8,
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
    /// TweetEval val rows used for training (see `PipelineOptions::tweet_val_train_every`).
    pub tweet_weight: f32,
    /// Lexicon entries as one-token examples.
    pub lexicon_weight: f32,
    /// NSMC mid-rating reviews as weak labels (0 = not loaded).
    pub nsmc_mid_weight: f32,
    /// moodchat's chat training messages (issue 16).
    pub chat_weight: f32,
    /// VADER / AFINN-ko entries as polarity-only rows.
    pub registry_lexicon_weight: f32,
    /// Weights are clipped at this quantile of |w| per class before int8
    /// quantisation, so one outlier does not waste the 8-bit range.
    pub clip_quantile: f64,
    /// Quantised weights with |q| <= this become 0: long zero runs gzip far
    /// better, which buys more buckets within the size budget.
    pub prune_at_most: u8,
    /// Largest quantised magnitude (127 = full int8). Fewer levels cost a
    /// little precision and make the table much more compressible.
    pub max_level: u8,
    /// Use the mean of the end-of-epoch weights (Polyak-style averaging)
    /// instead of the last ones.
    pub average_epochs: bool,
    /// Polarity buckets hit by fewer training examples than this are never
    /// updated and stay exactly 0. Features seen once or twice (mostly
    /// review-specific character n-grams) generalise poorly, and a table that
    /// is mostly zeros gzips small, which pays for more buckets.
    pub min_count: u32,
    /// NB prior: polarity buckets start at `nb_prior` times their naive-Bayes
    /// log-count ratio on the binary corpora (0 = start at 0).
    pub nb_prior: f32,
    pub nb_alpha: f32,
    /// Three-way examples are weighted so that each class of a corpus
    /// carries the same total weight (the metrics are macro-averaged, and
    /// GoEmotions has half as many negative as positive rows).
    pub balance_classes: bool,
    /// Embedding head (format 3, see `EmbeddingHead`): log2 of its rows,
    /// 0 = no head (format 2).
    pub head_bits: u8,
    pub head_dim: u8,
    /// Hidden units (0 = the mean embedding feeds the two outputs directly).
    pub head_hidden: u8,
    pub head_lr: f32,
    /// The head feeds only the neutral logit (its polarity output stays 0).
    pub head_neutral_only: bool,
    /// Stacked: the linear tables are trained first, alone (exactly as
    /// without a head); then the head is trained on top of the frozen linear
    /// logits for as many epochs, with its own epoch average.
    pub head_stacked: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            polarity_bits: 21,
            neutral_bits: 16,
            epochs: 6,
            learning_rate: 0.2,
            l2: 0.0,
            seed: 0x6d6f_6f64,
            nsmc_weight: 1.0,
            sst2_weight: 1.0,
            goemotions_weight: 1.0,
            tweet_weight: 3.0,
            lexicon_weight: 10.0,
            nsmc_mid_weight: 0.0,
            chat_weight: 10.0,
            registry_lexicon_weight: 0.0,
            clip_quantile: 0.9999,
            prune_at_most: 1,
            max_level: 127,
            average_epochs: true,
            min_count: 10,
            nb_prior: 1.0,
            nb_alpha: 1.0,
            balance_classes: true,
            head_bits: 0,
            head_dim: 16,
            head_hidden: 16,
            head_lr: 0.05,
            head_neutral_only: false,
            head_stacked: false,
        }
    }
}

impl TrainConfig {
    fn weight_of(&self, corpus: Corpus) -> f32 {
        match corpus {
            Corpus::Nsmc => self.nsmc_weight,
            Corpus::Sst2 => self.sst2_weight,
            Corpus::GoEmotions => self.goemotions_weight,
            Corpus::TweetEval => self.tweet_weight,
            Corpus::Lexicon => self.lexicon_weight,
            Corpus::NsmcMid => self.nsmc_mid_weight,
            Corpus::Chat => self.chat_weight,
            Corpus::RegistryLexicon => self.registry_lexicon_weight,
        }
    }
}

/// Feature buckets of many texts, extracted once and stored flat.
pub struct FeatureTable {
    offsets: Vec<usize>,
    buckets: Vec<u32>,
    /// Which texts took the lexicon-only feature path (see `features`).
    lexicon_only: Vec<bool>,
}

impl FeatureTable {
    pub fn build<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut extractor = FeatureExtractor::new();
        let mut scratch = Vec::new();
        let mut offsets = vec![0];
        let mut buckets = Vec::new();
        let mut lexicon_only = Vec::new();
        for text in texts {
            extractor.extract(text, &mut scratch);
            buckets.extend_from_slice(&scratch);
            offsets.push(buckets.len());
            lexicon_only.push(extractor.last_was_lexicon_only());
        }
        FeatureTable { offsets, buckets, lexicon_only }
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

    pub fn is_lexicon_only(&self, i: usize) -> bool {
        self.lexicon_only[i]
    }
}

/// Full-precision embedding head (see `EmbeddingHead`).
#[derive(Clone)]
pub struct FloatHead {
    pub bits: u8,
    pub dim: usize,
    pub hidden: usize,
    pub table: Vec<f32>,
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    pub w2: Vec<f32>,
}

/// Activations of one forward pass, kept for the backward pass.
pub struct HeadCache {
    h: [f32; MAX_EMBED_DIM],
    z: [f32; MAX_HIDDEN],
    a: [f32; MAX_HIDDEN],
}

impl HeadCache {
    pub fn new() -> Self {
        HeadCache { h: [0.0; MAX_EMBED_DIM], z: [0.0; MAX_HIDDEN], a: [0.0; MAX_HIDDEN] }
    }
}

impl Default for HeadCache {
    fn default() -> Self {
        Self::new()
    }
}

/// AdaGrad accumulators of the head: one per embedding row (row-wise
/// AdaGrad: the rows are many and each update touches all of a row), one per
/// dense weight.
struct HeadAccumulators {
    rows: Vec<f32>,
    w1: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
}

impl FloatHead {
    fn new(bits: u8, dim: usize, hidden: usize, seed: u64) -> Self {
        let mut rng = XorShift::new(seed ^ 0x6865_6164);
        let mut uniform = |a: f32| ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32 * a;
        let table = (0..(1usize << bits) * dim).map(|_| uniform(0.1)).collect();
        let glorot = (6.0 / (dim + hidden.max(1)) as f32).sqrt();
        let w1 = (0..hidden * dim).map(|_| uniform(glorot)).collect();
        let width = if hidden == 0 { dim } else { hidden };
        FloatHead { bits, dim, hidden, table, w1, b1: vec![0.1; hidden], w2: vec![0.0; 2 * width] }
    }

    fn row(&self, f: u32) -> usize {
        (f >> (32 - self.bits as u32)) as usize
    }

    fn width(&self) -> usize {
        if self.hidden == 0 { self.dim } else { self.hidden }
    }

    /// [polarity, neutrality] outputs; fills `cache`.
    pub fn forward(&self, features: &[u32], cache: &mut HeadCache) -> [f32; 2] {
        let d = self.dim;
        let h = &mut cache.h[..d];
        h.fill(0.0);
        for &f in features {
            let at = self.row(f) * d;
            for (x, w) in h.iter_mut().zip(&self.table[at..at + d]) {
                *x += w;
            }
        }
        let inv_n = if features.is_empty() { 0.0 } else { 1.0 / features.len() as f32 };
        h.iter_mut().for_each(|x| *x *= inv_n);
        for j in 0..self.hidden {
            let mut z = self.b1[j];
            for (w, x) in self.w1[j * d..(j + 1) * d].iter().zip(&cache.h[..d]) {
                z += w * x;
            }
            cache.z[j] = z;
            cache.a[j] = z.max(0.0);
        }
        let a = if self.hidden == 0 { &cache.h[..d] } else { &cache.a[..self.hidden] };
        let width = a.len();
        let mut out = [0f32; 2];
        for k in 0..2 {
            for (w, x) in self.w2[k * width..(k + 1) * width].iter().zip(a) {
                out[k] += w * x;
            }
        }
        out
    }

    /// AdaGrad step given d loss / d outputs.
    fn backward(&mut self, acc: &mut HeadAccumulators, features: &[u32], cache: &HeadCache, g_out: [f32; 2], lr: f32) {
        let (d, width) = (self.dim, self.width());
        let a = if self.hidden == 0 { &cache.h[..d] } else { &cache.a[..self.hidden] };
        let mut da = [0f32; if MAX_HIDDEN > MAX_EMBED_DIM { MAX_HIDDEN } else { MAX_EMBED_DIM }];
        for j in 0..width {
            da[j] = g_out[0] * self.w2[j] + g_out[1] * self.w2[width + j];
        }
        for k in 0..2 {
            for j in 0..width {
                let at = k * width + j;
                adagrad(&mut self.w2[at], &mut acc.w2[at], g_out[k] * a[j], 0.0, lr);
            }
        }
        let mut dh = [0f32; MAX_EMBED_DIM];
        if self.hidden == 0 {
            dh[..d].copy_from_slice(&da[..d]);
        } else {
            for j in 0..self.hidden {
                let dz = if cache.z[j] > 0.0 { da[j] } else { 0.0 };
                if dz == 0.0 {
                    continue;
                }
                for i in 0..d {
                    dh[i] += dz * self.w1[j * d + i];
                }
                for i in 0..d {
                    adagrad(&mut self.w1[j * d + i], &mut acc.w1[j * d + i], dz * cache.h[i], 0.0, lr);
                }
                adagrad(&mut self.b1[j], &mut acc.b1[j], dz, 0.0, lr);
            }
        }
        if features.is_empty() {
            return;
        }
        let inv_n = 1.0 / features.len() as f32;
        let g_row = dh.map(|v| v * inv_n);
        let g_sq = g_row[..d].iter().map(|v| v * v).sum::<f32>() / d as f32;
        if g_sq == 0.0 {
            return;
        }
        for &f in features {
            let r = self.row(f);
            acc.rows[r] += g_sq;
            let step = lr / acc.rows[r].sqrt();
            for (w, g) in self.table[r * d..(r + 1) * d].iter_mut().zip(&g_row[..d]) {
                *w -= step * g;
            }
        }
    }

    fn accumulators(&self) -> HeadAccumulators {
        HeadAccumulators {
            rows: vec![1e-4; 1 << self.bits],
            w1: vec![1e-4; self.w1.len()],
            b1: vec![1e-4; self.b1.len()],
            w2: vec![1e-4; self.w2.len()],
        }
    }

    fn params_mut(&mut self) -> impl Iterator<Item = &mut f32> {
        self.table.iter_mut().chain(self.w1.iter_mut()).chain(self.b1.iter_mut()).chain(self.w2.iter_mut())
    }

    fn params(&self) -> impl Iterator<Item = &f32> {
        self.table.iter().chain(&self.w1).chain(&self.b1).chain(&self.w2)
    }
}

/// Full-precision model used during training (same structure as `Model`).
#[derive(Clone)]
pub struct FloatModel {
    pub polarity_bits: u8,
    pub neutral_bits: u8,
    pub polarity: Vec<f32>,
    pub neutral: Vec<f32>,
    pub biases: [f32; 3],
    pub head: Option<FloatHead>,
}

impl FloatModel {
    fn new(polarity_bits: u8, neutral_bits: u8) -> Self {
        FloatModel {
            polarity_bits,
            neutral_bits,
            polarity: vec![0.0; 1 << polarity_bits],
            neutral: vec![0.0; 1 << neutral_bits],
            biases: [0.0; 3],
            head: None,
        }
    }

    pub fn logits(&self, features: &[u32]) -> [f32; 3] {
        self.logits_with(features, &mut HeadCache::new())
    }

    pub fn logits_with(&self, features: &[u32], cache: &mut HeadCache) -> [f32; 3] {
        let (pm, nm) = ((1usize << self.polarity_bits) - 1, (1usize << self.neutral_bits) - 1);
        let mut pol = 0f32;
        let mut neu = 0f32;
        for &f in features {
            pol += self.polarity[f as usize & pm];
            neu += self.neutral[f as usize & nm];
        }
        let norm = norm(features.len());
        let Some(head) = &self.head else {
            let half = 0.5 * pol * norm;
            return [self.biases[0] - half, self.biases[1] + neu * norm, self.biases[2] + half];
        };
        let [p, n] = head.forward(features, cache);
        let half = 0.5 * (pol * norm + p);
        [self.biases[0] - half, self.biases[1] + neu * norm + n, self.biases[2] + half]
    }

    fn add_scaled(&mut self, other: &FloatModel, k: f32) {
        for (a, b) in self.polarity.iter_mut().zip(&other.polarity) {
            *a += k * b;
        }
        for (a, b) in self.neutral.iter_mut().zip(&other.neutral) {
            *a += k * b;
        }
        for c in 0..3 {
            self.biases[c] += k * other.biases[c];
        }
        if let (Some(a), Some(b)) = (&mut self.head, &other.head) {
            for (x, y) in a.params_mut().zip(b.params()) {
                *x += k * y;
            }
        }
    }

    fn scale(&mut self, k: f32) {
        let head = self.head.iter_mut().flat_map(|h| h.params_mut());
        for v in self.polarity.iter_mut().chain(self.neutral.iter_mut()).chain(self.biases.iter_mut()).chain(head) {
            *v *= k;
        }
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

/// AdaGrad step on one weight.
#[inline]
fn adagrad(w: &mut f32, grad_sq: &mut f32, loss_grad: f32, l2: f32, lr: f32) {
    let grad = loss_grad + l2 * *w;
    *grad_sq += grad * grad;
    *w -= lr * grad / grad_sq.sqrt();
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
    let (pm, nm) = ((1usize << config.polarity_bits) - 1, (1usize << config.neutral_bits) - 1);
    let mut model = FloatModel::new(config.polarity_bits, config.neutral_bits);
    let mut average = FloatModel::new(config.polarity_bits, config.neutral_bits);
    if config.head_bits != 0 {
        let head = FloatHead::new(config.head_bits, config.head_dim as usize, config.head_hidden as usize, config.seed);
        average.head = Some(FloatHead { table: vec![0.0; head.table.len()], w1: vec![0.0; head.w1.len()], b1: vec![0.0; head.b1.len()], w2: vec![0.0; head.w2.len()], ..head.clone() });
        model.head = Some(head);
    }
    let stacked_head = if config.head_stacked { model.head.take().zip(average.head.take()) } else { None };
    let mut head_acc = model.head.as_ref().map(|h| h.accumulators());
    let mut cache = HeadCache::new();
    // AdaGrad accumulators; starting at a small value avoids a huge first step.
    let mut pol_sq = vec![1e-4f32; pm + 1];
    let mut neu_sq = vec![1e-4f32; nm + 1];
    let mut bias_sq = [1e-4f32; 3];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let (lr, l2) = (config.learning_rate, config.l2);
    let trainable = trainable_buckets(table, pm, config.min_count);
    let class_weight = class_weights(examples, config.balance_classes);
    if config.nb_prior != 0.0 {
        let prior = nb_log_count_ratios(examples, table, pm, config.nb_alpha);
        for b in 0..=pm {
            if trainable[b] {
                model.polarity[b] = config.nb_prior * prior[b];
            }
        }
    }
    for epoch in 0..config.epochs {
        XorShift::new(config.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).shuffle(&mut order);
        for &i in &order {
            let features = table.get(i);
            let ex = &examples[i];
            if table.is_lexicon_only(i) && ex.corpus.is_review() {
                // A star rating on a bare "ㅋㅋㅋ" or "ㅠㅠ 슬퍼요" judges the film
                // (sarcasm, "moving"), not the writer's mood: the lexicon-only
                // features learn the chat meaning from the other corpora.
                continue;
            }
            let weight = config.weight_of(ex.corpus) * class_weight[i];
            let g = logit_gradient(model.logits_with(features, &mut cache), ex.target, weight);
            for c in 0..3 {
                if g[c] != 0.0 {
                    adagrad(&mut model.biases[c], &mut bias_sq[c], g[c], 0.0, lr);
                }
            }
            let norm = norm(features.len());
            // d loss / d pol = (g_pos - g_neg) / 2 ; d loss / d neu = g_neu.
            let g_pol = 0.5 * (g[2] - g[0]) * norm;
            let g_neu = g[1] * norm;
            if g_pol != 0.0 {
                for &f in features {
                    let b = f as usize & pm;
                    if !trainable[b] {
                        continue;
                    }
                    adagrad(&mut model.polarity[b], &mut pol_sq[b], g_pol, l2, lr);
                }
            }
            if g_neu != 0.0 {
                for &f in features {
                    let b = f as usize & nm;
                    adagrad(&mut model.neutral[b], &mut neu_sq[b], g_neu, l2, lr);
                }
            }
            if let (Some(head), Some(acc)) = (&mut model.head, &mut head_acc) {
                let g_pol = if config.head_neutral_only { 0.0 } else { 0.5 * (g[2] - g[0]) };
                if g_pol != 0.0 || g[1] != 0.0 {
                    head.backward(acc, features, &cache, [g_pol, g[1]], config.head_lr);
                }
            }
        }
        if config.average_epochs {
            average.add_scaled(&model, 1.0 / config.epochs as f32);
            let mut so_far = average.clone();
            so_far.scale(config.epochs as f32 / (epoch + 1) as f32);
            after_epoch(epoch + 1, &so_far);
        } else {
            after_epoch(epoch + 1, &model);
        }
    }
    let mut result = if config.average_epochs { average } else { model };
    if let Some((head, mut head_average)) = stacked_head {
        let mut acc = head.accumulators();
        result.head = Some(head);
        for epoch in 0..config.epochs {
            let seed = config.seed ^ 0x7374_6163 ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            XorShift::new(seed).shuffle(&mut order);
            for &i in &order {
                let (features, ex) = (table.get(i), &examples[i]);
                if table.is_lexicon_only(i) && ex.corpus.is_review() {
                    continue;
                }
                let weight = config.weight_of(ex.corpus) * class_weight[i];
                let g = logit_gradient(result.logits_with(features, &mut cache), ex.target, weight);
                let g_pol = if config.head_neutral_only { 0.0 } else { 0.5 * (g[2] - g[0]) };
                if g_pol != 0.0 || g[1] != 0.0 {
                    let head = result.head.as_mut().expect("attached above");
                    head.backward(&mut acc, features, &cache, [g_pol, g[1]], config.head_lr);
                }
            }
            let head = result.head.as_ref().expect("attached above");
            for (x, y) in head_average.params_mut().zip(head.params()) {
                *x += y / config.epochs as f32;
            }
            after_epoch(config.epochs + epoch + 1, &result);
        }
        result.head = Some(head_average);
    }
    result
}

/// Per example: 1, or with `balance`, (rows of its corpus / 3) / (rows of
/// its corpus with its label) for three-way examples (lexicon entries keep 1).
fn class_weights(examples: &[Example], balance: bool) -> Vec<f32> {
    use std::collections::BTreeMap;
    let mut counts: BTreeMap<(Corpus, usize), usize> = BTreeMap::new();
    let mut totals: BTreeMap<Corpus, usize> = BTreeMap::new();
    for ex in examples {
        if let Target::ThreeWay(label) = ex.target {
            *counts.entry((ex.corpus, label.index())).or_default() += 1;
            *totals.entry(ex.corpus).or_default() += 1;
        }
    }
    examples
        .iter()
        .map(|ex| match ex.target {
            Target::ThreeWay(label) if balance && ex.corpus != Corpus::Lexicon => {
                (totals[&ex.corpus] as f64 / 3.0 / counts[&(ex.corpus, label.index())] as f64) as f32
            }
            _ => 1.0,
        })
        .collect()
}

/// Naive-Bayes log-count ratio ln((pos + a) / (neg + a)) per polarity
/// bucket, from the binary corpora (document frequencies, so that a repeated
/// n-gram counts once per review), corrected for the class balance.
fn nb_log_count_ratios(examples: &[Example], table: &FeatureTable, mask: usize, alpha: f32) -> Vec<f32> {
    let mut pos = vec![0u32; mask + 1];
    let mut neg = vec![0u32; mask + 1];
    let mut last = vec![u32::MAX; mask + 1];
    let (mut n_pos, mut n_neg) = (0f64, 0f64);
    for (i, ex) in examples.iter().enumerate() {
        let Target::Binary { positive } = ex.target else { continue };
        if table.is_lexicon_only(i) {
            continue;
        }
        if positive { n_pos += 1.0 } else { n_neg += 1.0 }
        for &f in table.get(i) {
            let b = f as usize & mask;
            if last[b] == i as u32 {
                continue;
            }
            last[b] = i as u32;
            if positive { pos[b] += 1 } else { neg[b] += 1 }
        }
    }
    let balance = ((n_pos + 1.0) / (n_neg + 1.0)).ln() as f32;
    pos.iter().zip(&neg).map(|(&p, &n)| ((p as f32 + alpha) / (n as f32 + alpha)).ln() - balance).collect()
}

/// Polarity buckets that at least `min_count` training examples touch.
fn trainable_buckets(table: &FeatureTable, mask: usize, min_count: u32) -> Vec<bool> {
    let mut seen_in = vec![0u32; mask + 1];
    let mut last_example = vec![u32::MAX; mask + 1];
    for i in 0..table.len() {
        for &f in table.get(i) {
            let b = f as usize & mask;
            // Count examples, not occurrences: "ㅋㅋ ㅋㅋ ㅋㅋ" is one piece of evidence.
            if last_example[b] != i as u32 {
                last_example[b] = i as u32;
                seen_in[b] = seen_in[b].saturating_add(1);
            }
        }
    }
    seen_in.iter().map(|&n| n >= min_count).collect()
}

fn quantize_table(weights: &[f32], clip_quantile: f64, prune_at_most: u8, max_level: u8) -> (f32, Vec<i8>) {
    let max_level = max_level.clamp(1, 127) as f32;
    let mut mags: Vec<f32> = weights.iter().map(|w| w.abs()).collect();
    mags.sort_by(|a, b| a.total_cmp(b));
    let at = ((mags.len() - 1) as f64 * clip_quantile).round() as usize;
    let clip = mags[at.min(mags.len() - 1)];
    let scale = if clip > 0.0 { clip / max_level } else { 1.0 };
    let q = weights
        .iter()
        .map(|&w| {
            let q = (w / scale).round().clamp(-max_level, max_level) as i8;
            if q.unsigned_abs() <= prune_at_most { 0 } else { q }
        })
        .collect();
    (scale, q)
}

/// Int8 quantisation with one scale per table.
pub fn quantize(model: &FloatModel, config: &TrainConfig) -> Result<Model, ModelError> {
    let (polarity_scale, polarity) = quantize_table(&model.polarity, config.clip_quantile, config.prune_at_most, config.max_level);
    let (neutral_scale, neutral) = quantize_table(&model.neutral, config.clip_quantile, config.prune_at_most, 127);
    let head = model.head.as_ref().map(|h| {
        let (scale, table) = quantize_table(&h.table, config.clip_quantile, 0, 127);
        EmbeddingHead {
            bits: h.bits,
            dim: h.dim as u8,
            hidden: h.hidden as u8,
            scale,
            table,
            w1: h.w1.clone(),
            b1: h.b1.clone(),
            w2: h.w2.clone(),
        }
    });
    Model::from_parts(ModelParts {
        polarity_bits: model.polarity_bits,
        neutral_bits: model.neutral_bits,
        polarity_scale,
        neutral_scale,
        biases: model.biases,
        korean_polarity: 0.0,
        polarity,
        neutral,
        head,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Label;

    fn ex(text: &str, target: Target, corpus: Corpus) -> Example {
        Example { text: text.to_string(), target, corpus }
    }

    #[test]
    fn class_weights_balance_each_three_way_corpus() {
        let t = |l| Target::ThreeWay(l);
        let examples = vec![
            ex("a", t(Label::Positive), Corpus::GoEmotions),
            ex("b", t(Label::Positive), Corpus::GoEmotions),
            ex("c", t(Label::Neutral), Corpus::GoEmotions),
            ex("d", t(Label::Negative), Corpus::GoEmotions),
            ex("e", Target::Binary { positive: true }, Corpus::Sst2),
            ex("좋아", t(Label::Positive), Corpus::Lexicon),
        ];
        let w = class_weights(&examples, true);
        // 4 GoEmotions rows: each class should carry 4/3 in total.
        assert_eq!(&w[..4], &[2.0 / 3.0, 2.0 / 3.0, 4.0 / 3.0, 4.0 / 3.0]);
        assert_eq!(&w[4..], &[1.0, 1.0], "binary rows and lexicon entries are not reweighted");
        assert!(class_weights(&examples, false).iter().all(|&v| v == 1.0));
    }

    #[test]
    fn nb_ratios_point_the_right_way() {
        let b = |positive| Target::Binary { positive };
        let examples = vec![
            ex("zorp zorp film", b(true), Corpus::Sst2),
            ex("zorp acting", b(true), Corpus::Sst2),
            ex("blick film", b(false), Corpus::Sst2),
            ex("blick plot", b(false), Corpus::Sst2),
        ];
        let table = FeatureTable::build(examples.iter().map(|e| e.text.as_str()));
        let mask = (1 << 16) - 1;
        let r = nb_log_count_ratios(&examples, &table, mask, 1.0);
        let bucket_of = |word: &str| {
            let f = FeatureTable::build([word]);
            f.get(0)[0] as usize & mask // the unigram feature comes first
        };
        assert!(r[bucket_of("zorp")] > 0.5, "{}", r[bucket_of("zorp")]);
        assert!(r[bucket_of("blick")] < -0.5);
        assert!(r[bucket_of("film")].abs() < 1e-6, "one positive, one negative review");
    }
}
