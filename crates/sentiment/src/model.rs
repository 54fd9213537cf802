//! The inference model and its binary weights format.
//!
//! A three-class logistic model over hashed features with int8 weights in
//! two tables. A softmax over three logits has only two degrees of freedom
//! per feature (adding a constant to all logits changes nothing), so instead
//! of three weights per bucket we store
//! - a polarity weight (positive minus negative evidence), in a large table,
//!   learned from every corpus, and
//! - a neutrality weight, in a much smaller table, learned only from the
//!   corpora that have a neutral class (far less data, so fewer buckets).
//!
//! ```text
//! pol = pol_scale * (sum of polarity[f]) / sqrt(#features)
//! neu = neu_scale * (sum of neutral[f])  / sqrt(#features)
//! k   = korean_polarity if the message has a Hangul syllable, else 0
//! logits = [bias_neg - pol/2 - k, bias_neu + neu, bias_pos + pol/2 + k]
//! probs  = softmax(logits)
//! ```
//!
//! `korean_polarity` is a calibration offset: one polarity bias cannot be
//! right for both languages (the Korean and English training corpora have
//! different class balances and review styles), so Korean messages get their
//! own, fitted on Korean dev data.
//!
//! The weight sums are exact integers, so native and wasm agree bit for bit;
//! the few float operations afterwards are basic IEEE ops in a fixed order.
//!
//! File format (all little-endian), version 2 (version 1 had no Korean
//! polarity offset and is rejected):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `b"MOODSENT"` |
//! | 8 | 4 | format version (1) |
//! | 12 | 4 | feature scheme version (`features::FEATURE_SCHEME_VERSION`) |
//! | 16 | 1 | polarity table bits P (2^P buckets, 8..=24) |
//! | 17 | 1 | neutral table bits N (2^N buckets, 8..=24) |
//! | 18 | 2 | reserved, 0 |
//! | 20 | 4 | polarity scale, f32 |
//! | 24 | 4 | neutral scale, f32 |
//! | 28 | 12 | biases [negative, neutral, positive], f32 x 3 |
//! | 40 | 4 | Korean polarity offset, f32 |
//! | 44 | 2^P | polarity weights, int8 |
//! | 44 + 2^P | 2^N | neutral weights, int8 |
//! | end-8 | 8 | FNV-1a 64 checksum of all preceding bytes |
//!
//! A feature hash h maps to bucket `h & (2^P - 1)` / `h & (2^N - 1)`.
//!
//! Version 3 (round 5, experimental; not used by the committed weights) adds
//! an embedding head after the tables, see `EmbeddingHead` and the crate
//! README. A model without a head is always written as version 2.

use crate::features::{FeatureExtractor, FEATURE_SCHEME_VERSION};
use crate::hash::fnv1a64;
use crate::math::softmax3;
use crate::tokenize::has_hangul_syllable;
use std::fmt;

pub const MAGIC: [u8; 8] = *b"MOODSENT";
pub const FORMAT_VERSION: u32 = 2;
/// Format with an embedding head (see `EmbeddingHead`): the v2 header, an
/// 8-byte head header, then the two tables, the head's parameters and the checksum.
pub const FORMAT_VERSION_WITH_HEAD: u32 = 3;
pub const NUM_CLASSES: usize = 3;
const HEADER_LEN: usize = 44;
const HEAD_HEADER_LEN: usize = 8;
pub const MIN_EMBED_BITS: u8 = 8;
pub const MAX_EMBED_BITS: u8 = 20;
pub const MAX_EMBED_DIM: usize = 64;
pub const MAX_HIDDEN: usize = 64;
const CHECKSUM_LEN: usize = 8;
pub const MIN_BUCKET_BITS: u8 = 8;
pub const MAX_BUCKET_BITS: u8 = 24;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Label {
    Negative = 0,
    Neutral = 1,
    Positive = 2,
}

impl Label {
    pub const ALL: [Label; 3] = [Label::Negative, Label::Neutral, Label::Positive];

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Negative => "negative",
            Label::Neutral => "neutral",
            Label::Positive => "positive",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Label::Negative => "😞",
            Label::Neutral => "😐",
            Label::Positive => "😊",
        }
    }

    /// Index into `Prediction::probs`.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<Label> {
        Label::ALL.get(i).copied()
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    pub label: Label,
    /// Probability of `label`.
    pub score: f32,
    /// Probabilities indexed by `Label::index()`: [negative, neutral, positive].
    pub probs: [f32; 3],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// Fewer bytes than a header plus checksum.
    TooShort { len: usize },
    BadMagic,
    UnsupportedFormatVersion(u32),
    /// Weights were trained for a different tokenizer / feature hashing.
    UnsupportedFeatureScheme(u32),
    BadHeader(&'static str),
    LengthMismatch { expected: usize, actual: usize },
    ChecksumMismatch { stored: u64, computed: u64 },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::TooShort { len } => write!(f, "sentiment weights truncated: only {len} bytes"),
            ModelError::BadMagic => f.write_str("not a moodchat sentiment weights file (bad magic)"),
            ModelError::UnsupportedFormatVersion(v) => {
                write!(f, "unsupported sentiment weights format version {v} (expected {FORMAT_VERSION})")
            }
            ModelError::UnsupportedFeatureScheme(v) => write!(
                f,
                "sentiment weights use feature scheme {v}, this build expects {FEATURE_SCHEME_VERSION}"
            ),
            ModelError::BadHeader(why) => write!(f, "bad sentiment weights header: {why}"),
            ModelError::LengthMismatch { expected, actual } => {
                write!(f, "sentiment weights have {actual} bytes, header implies {expected}")
            }
            ModelError::ChecksumMismatch { stored, computed } => write!(
                f,
                "sentiment weights corrupted: checksum {computed:016x} != stored {stored:016x}"
            ),
        }
    }
}

impl std::error::Error for ModelError {}

/// Optional second part of the model (format 3): a fastText-style bag of
/// hashed-feature embeddings and a small hidden layer, whose two outputs are
/// added to the polarity and neutrality sums of the linear tables:
///
/// ```text
/// h   = scale * (sum of table[row(f)]) / #features        (d values; integer sums)
/// a   = relu(w1 h + b1)                                   (hidden values; or a = h if hidden = 0)
/// [pol, neu] += w2 a
/// ```
///
/// Row of a feature hash: its top `bits` bits (the linear tables use the low bits).
#[derive(Clone, Debug, PartialEq)]
pub struct EmbeddingHead {
    pub bits: u8,
    pub dim: u8,
    /// Hidden units; 0 = no hidden layer (w2 reads h directly).
    pub hidden: u8,
    pub scale: f32,
    /// 2^bits rows of `dim` int8 values.
    pub table: Vec<i8>,
    /// hidden x dim, row-major (one row per hidden unit).
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    /// 2 x (hidden, or dim if hidden = 0): the polarity row, then the neutral row.
    pub w2: Vec<f32>,
}

impl EmbeddingHead {
    #[inline]
    pub fn row(&self, feature: u32) -> usize {
        (feature >> (32 - self.bits as u32)) as usize
    }

    fn width(&self) -> usize {
        if self.hidden == 0 { self.dim as usize } else { self.hidden as usize }
    }

    fn validate(&self) -> Result<(), ModelError> {
        if !(MIN_EMBED_BITS..=MAX_EMBED_BITS).contains(&self.bits) {
            return Err(ModelError::BadHeader("embedding bits out of range"));
        }
        if self.dim == 0 || self.dim as usize > MAX_EMBED_DIM || self.hidden as usize > MAX_HIDDEN {
            return Err(ModelError::BadHeader("embedding dimension or hidden size out of range"));
        }
        let (d, h) = (self.dim as usize, self.hidden as usize);
        let sizes = [
            (self.table.len(), (1usize << self.bits) * d),
            (self.w1.len(), h * d),
            (self.b1.len(), h),
            (self.w2.len(), 2 * self.width()),
        ];
        for (actual, expected) in sizes {
            if actual != expected {
                return Err(ModelError::LengthMismatch { expected, actual });
            }
        }
        let floats = std::iter::once(&self.scale).chain(&self.w1).chain(&self.b1).chain(&self.w2);
        if floats.into_iter().any(|v| !v.is_finite()) {
            return Err(ModelError::BadHeader("non-finite embedding head parameter"));
        }
        Ok(())
    }

    fn byte_len(&self) -> usize {
        self.table.len() + 4 * (self.w1.len() + self.b1.len() + self.w2.len())
    }

    /// [polarity, neutrality] contributions for a list of feature hashes.
    pub fn outputs(&self, features: &[u32]) -> [f32; 2] {
        let d = self.dim as usize;
        let mut sums = [0i32; MAX_EMBED_DIM];
        for &f in features {
            let at = self.row(f) * d;
            for (s, &w) in sums[..d].iter_mut().zip(&self.table[at..at + d]) {
                *s += w as i32;
            }
        }
        let inv_n = if features.is_empty() { 0.0 } else { 1.0 / features.len() as f32 };
        let mut h = [0f32; MAX_EMBED_DIM];
        for i in 0..d {
            h[i] = self.scale * (sums[i] as f32 * inv_n);
        }
        let mut a = [0f32; MAX_HIDDEN];
        let a: &[f32] = if self.hidden == 0 {
            &h[..d]
        } else {
            for (j, out) in a[..self.hidden as usize].iter_mut().enumerate() {
                let mut z = self.b1[j];
                for (w, x) in self.w1[j * d..(j + 1) * d].iter().zip(&h[..d]) {
                    z += w * x;
                }
                *out = if z > 0.0 { z } else { 0.0 };
            }
            &a[..self.hidden as usize]
        };
        let width = a.len();
        let mut out = [0f32; 2];
        for (k, o) in out.iter_mut().enumerate() {
            for (w, x) in self.w2[k * width..(k + 1) * width].iter().zip(a) {
                *o += w * x;
            }
        }
        out
    }
}

#[derive(Clone, PartialEq)]
pub struct Model {
    polarity_bits: u8,
    neutral_bits: u8,
    polarity_scale: f32,
    neutral_scale: f32,
    biases: [f32; 3],
    korean_polarity: f32,
    polarity: Vec<i8>,
    neutral: Vec<i8>,
    head: Option<EmbeddingHead>,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("polarity_bits", &self.polarity_bits)
            .field("neutral_bits", &self.neutral_bits)
            .field("polarity_scale", &self.polarity_scale)
            .field("neutral_scale", &self.neutral_scale)
            .field("biases", &self.biases)
            .field("korean_polarity", &self.korean_polarity)
            .field("head", &self.head.as_ref().map(|h| (h.bits, h.dim, h.hidden)))
            .finish_non_exhaustive()
    }
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn read_f32(b: &[u8], at: usize) -> f32 {
    f32::from_bits(read_u32(b, at))
}

/// Quantised parameters, as stored in the file (see module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelParts {
    pub polarity_bits: u8,
    pub neutral_bits: u8,
    pub polarity_scale: f32,
    pub neutral_scale: f32,
    /// [negative, neutral, positive]
    pub biases: [f32; 3],
    /// Added to the positive and subtracted from the negative logit of
    /// messages with a Hangul syllable.
    pub korean_polarity: f32,
    pub polarity: Vec<i8>,
    pub neutral: Vec<i8>,
    /// Format 3 only.
    pub head: Option<EmbeddingHead>,
}

impl Model {
    /// Builds a model from quantized parameters (used by the trainer).
    pub fn from_parts(parts: ModelParts) -> Result<Model, ModelError> {
        let bits_ok = |b: u8| (MIN_BUCKET_BITS..=MAX_BUCKET_BITS).contains(&b);
        if !bits_ok(parts.polarity_bits) || !bits_ok(parts.neutral_bits) {
            return Err(ModelError::BadHeader("table bits out of range"));
        }
        let floats = [
            parts.polarity_scale,
            parts.neutral_scale,
            parts.biases[0],
            parts.biases[1],
            parts.biases[2],
            parts.korean_polarity,
        ];
        if floats.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::BadHeader("non-finite scale or bias"));
        }
        for (table, bits) in [(&parts.polarity, parts.polarity_bits), (&parts.neutral, parts.neutral_bits)] {
            if table.len() != 1usize << bits {
                return Err(ModelError::LengthMismatch { expected: 1 << bits, actual: table.len() });
            }
        }
        if let Some(head) = &parts.head {
            head.validate()?;
        }
        Ok(Model {
            polarity_bits: parts.polarity_bits,
            neutral_bits: parts.neutral_bits,
            polarity_scale: parts.polarity_scale,
            neutral_scale: parts.neutral_scale,
            biases: parts.biases,
            korean_polarity: parts.korean_polarity,
            polarity: parts.polarity,
            neutral: parts.neutral,
            head: parts.head,
        })
    }

    pub fn to_parts(&self) -> ModelParts {
        ModelParts {
            polarity_bits: self.polarity_bits,
            neutral_bits: self.neutral_bits,
            polarity_scale: self.polarity_scale,
            neutral_scale: self.neutral_scale,
            biases: self.biases,
            korean_polarity: self.korean_polarity,
            polarity: self.polarity.clone(),
            neutral: self.neutral.clone(),
            head: self.head.clone(),
        }
    }

    /// Parses a weights file. Never panics; every malformed input is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
            return Err(ModelError::TooShort { len: bytes.len() });
        }
        if bytes[..8] != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let version = read_u32(bytes, 8);
        if version != FORMAT_VERSION && version != FORMAT_VERSION_WITH_HEAD {
            return Err(ModelError::UnsupportedFormatVersion(version));
        }
        let scheme = read_u32(bytes, 12);
        if scheme != FEATURE_SCHEME_VERSION {
            return Err(ModelError::UnsupportedFeatureScheme(scheme));
        }
        let (polarity_bits, neutral_bits) = (bytes[16], bytes[17]);
        let bits_ok = |b: u8| (MIN_BUCKET_BITS..=MAX_BUCKET_BITS).contains(&b);
        if !bits_ok(polarity_bits) || !bits_ok(neutral_bits) {
            return Err(ModelError::BadHeader("table bits out of range"));
        }
        if bytes[18] != 0 || bytes[19] != 0 {
            return Err(ModelError::BadHeader("reserved bytes are not zero"));
        }
        let (n_pol, n_neu) = (1usize << polarity_bits, 1usize << neutral_bits);
        let mut tables_at = HEADER_LEN;
        // (bits, dim, hidden, scale) of the embedding head.
        let mut head_header = None;
        if version == FORMAT_VERSION_WITH_HEAD {
            if bytes.len() < HEADER_LEN + HEAD_HEADER_LEN + CHECKSUM_LEN {
                return Err(ModelError::TooShort { len: bytes.len() });
            }
            let (bits, dim, hidden) = (bytes[44], bytes[45], bytes[46]);
            if bytes[47] != 0 {
                return Err(ModelError::BadHeader("reserved bytes are not zero"));
            }
            if !(MIN_EMBED_BITS..=MAX_EMBED_BITS).contains(&bits)
                || dim == 0
                || dim as usize > MAX_EMBED_DIM
                || hidden as usize > MAX_HIDDEN
            {
                return Err(ModelError::BadHeader("embedding head size out of range"));
            }
            head_header = Some((bits, dim, hidden, read_f32(bytes, 48)));
            tables_at += HEAD_HEADER_LEN;
        }
        let head_len = match head_header {
            None => 0,
            Some((bits, dim, hidden, _)) => {
                let (d, h) = (dim as usize, hidden as usize);
                let width = if h == 0 { d } else { h };
                (1usize << bits) * d + 4 * (h * d + h + 2 * width)
            }
        };
        let expected = tables_at + n_pol + n_neu + head_len + CHECKSUM_LEN;
        if bytes.len() != expected {
            return Err(ModelError::LengthMismatch { expected, actual: bytes.len() });
        }
        let body_end = bytes.len() - CHECKSUM_LEN;
        let mut stored = [0u8; 8];
        stored.copy_from_slice(&bytes[body_end..]);
        let stored = u64::from_le_bytes(stored);
        let computed = fnv1a64(&bytes[..body_end]);
        if stored != computed {
            return Err(ModelError::ChecksumMismatch { stored, computed });
        }
        let table = |from: usize, len: usize| bytes[from..from + len].iter().map(|&b| b as i8).collect();
        let floats = |from: usize, len: usize| (0..len).map(|i| read_f32(bytes, from + 4 * i)).collect();
        let head = head_header.map(|(bits, dim, hidden, scale)| {
            let (d, h) = (dim as usize, hidden as usize);
            let width = if h == 0 { d } else { h };
            let at = tables_at + n_pol + n_neu;
            let rows = (1usize << bits) * d;
            EmbeddingHead {
                bits,
                dim,
                hidden,
                scale,
                table: table(at, rows),
                w1: floats(at + rows, h * d),
                b1: floats(at + rows + 4 * h * d, h),
                w2: floats(at + rows + 4 * (h * d + h), 2 * width),
            }
        });
        Model::from_parts(ModelParts {
            polarity_bits,
            neutral_bits,
            polarity_scale: read_f32(bytes, 20),
            neutral_scale: read_f32(bytes, 24),
            biases: [read_f32(bytes, 28), read_f32(bytes, 32), read_f32(bytes, 36)],
            korean_polarity: read_f32(bytes, 40),
            polarity: table(tables_at, n_pol),
            neutral: table(tables_at + n_pol, n_neu),
            head,
        })
    }

    /// Serialises to the format described in the module docs.
    pub fn to_bytes(&self) -> Vec<u8> {
        let head_len = self.head.as_ref().map_or(0, |h| HEAD_HEADER_LEN + h.byte_len());
        let mut out = Vec::with_capacity(HEADER_LEN + self.polarity.len() + self.neutral.len() + head_len + CHECKSUM_LEN);
        out.extend_from_slice(&MAGIC);
        let version = if self.head.is_some() { FORMAT_VERSION_WITH_HEAD } else { FORMAT_VERSION };
        out.extend_from_slice(&version.to_le_bytes());
        out.extend_from_slice(&FEATURE_SCHEME_VERSION.to_le_bytes());
        out.push(self.polarity_bits);
        out.push(self.neutral_bits);
        out.extend_from_slice(&[0, 0]);
        for v in [
            self.polarity_scale,
            self.neutral_scale,
            self.biases[0],
            self.biases[1],
            self.biases[2],
            self.korean_polarity,
        ] {
            out.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        if let Some(h) = &self.head {
            out.extend_from_slice(&[h.bits, h.dim, h.hidden, 0]);
            out.extend_from_slice(&h.scale.to_bits().to_le_bytes());
        }
        out.extend(self.polarity.iter().map(|&w| w as u8));
        out.extend(self.neutral.iter().map(|&w| w as u8));
        if let Some(h) = &self.head {
            out.extend(h.table.iter().map(|&w| w as u8));
            for v in h.w1.iter().chain(&h.b1).chain(&h.w2) {
                out.extend_from_slice(&v.to_bits().to_le_bytes());
            }
        }
        let checksum = fnv1a64(&out);
        out.extend_from_slice(&checksum.to_le_bytes());
        out
    }

    /// The weights committed at `weights/moodchat-sentiment.bin`.
    #[cfg(feature = "embedded")]
    pub fn embedded() -> Model {
        static BYTES: &[u8] = include_bytes!("../weights/moodchat-sentiment.bin");
        // The file is checked by this crate's tests; failing here means the
        // committed weights were corrupted at build time.
        Model::from_bytes(BYTES).expect("committed sentiment weights are valid")
    }

    pub fn polarity_bits(&self) -> u8 {
        self.polarity_bits
    }

    pub fn neutral_bits(&self) -> u8 {
        self.neutral_bits
    }

    pub fn head(&self) -> Option<&EmbeddingHead> {
        self.head.as_ref()
    }

    /// Classifies one message.
    pub fn predict(&self, text: &str) -> Prediction {
        let mut features = Vec::with_capacity(6 * text.len() + 16);
        self.predict_with(&mut FeatureExtractor::new(), &mut features, text)
    }

    /// Like `predict`, reusing caller-owned buffers (no allocation in steady state).
    pub fn predict_with(&self, extractor: &mut FeatureExtractor, features: &mut Vec<u32>, text: &str) -> Prediction {
        extractor.extract(text, features);
        let probs = softmax3(self.logits(features, has_hangul_syllable(text)));
        let mut best = 0;
        for c in 1..NUM_CLASSES {
            // Strict comparison: ties go to the lower index, deterministically.
            if probs[c] > probs[best] {
                best = c;
            }
        }
        Prediction { label: Label::ALL[best], score: probs[best], probs }
    }

    /// Calibrated logits [negative, neutral, positive] for a list of feature
    /// hashes; `korean` = the message has a Hangul syllable.
    pub fn logits(&self, features: &[u32], korean: bool) -> [f32; 3] {
        let pol_mask = (1usize << self.polarity_bits) - 1;
        let neu_mask = (1usize << self.neutral_bits) - 1;
        let mut pol = 0i32;
        let mut neu = 0i32;
        for &f in features {
            pol += self.polarity[f as usize & pol_mask] as i32;
            neu += self.neutral[f as usize & neu_mask] as i32;
        }
        let norm = if features.is_empty() { 0.0 } else { 1.0 / (features.len() as f32).sqrt() };
        let mut pol = self.polarity_scale * (pol as f32 * norm);
        let mut neu = self.neutral_scale * (neu as f32 * norm);
        if let Some(head) = &self.head {
            let [p, n] = head.outputs(features);
            pol += p;
            neu += n;
        }
        let half = 0.5 * pol;
        let k = if korean { self.korean_polarity } else { 0.0 };
        [self.biases[0] - half - k, self.biases[1] + neu, self.biases[2] + half + k]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(bits: u8, mult: usize) -> Vec<i8> {
        (0..(1usize << bits)).map(|i| ((i * mult % 255) as i32 - 127) as i8).collect()
    }

    fn tiny_parts() -> ModelParts {
        ModelParts {
            polarity_bits: 9,
            neutral_bits: 8,
            polarity_scale: 0.02,
            neutral_scale: 0.01,
            biases: [0.1, -0.2, 0.3],
            korean_polarity: 0.25,
            polarity: table(9, 37),
            neutral: table(8, 91),
            head: None,
        }
    }

    fn tiny_model() -> Model {
        Model::from_parts(tiny_parts()).unwrap()
    }

    fn tiny_head(hidden: u8) -> EmbeddingHead {
        let (bits, dim) = (8u8, 4usize);
        let width = if hidden == 0 { dim } else { hidden as usize };
        let floats = |n: usize, k: usize| (0..n).map(|i| ((i * k % 17) as f32 - 8.0) / 16.0).collect::<Vec<f32>>();
        EmbeddingHead {
            bits,
            dim: dim as u8,
            hidden,
            scale: 0.03,
            table: table(bits, 53).into_iter().cycle().take((1 << bits) * dim).collect(),
            w1: floats(hidden as usize * dim, 5),
            b1: (0..hidden).map(|i| 0.1 + 0.2 * i as f32).collect(),
            w2: floats(2 * width, 7),
        }
    }

    fn tiny_model_with_head(hidden: u8) -> Model {
        Model::from_parts(ModelParts { head: Some(tiny_head(hidden)), ..tiny_parts() }).unwrap()
    }

    #[test]
    fn head_round_trip_and_version() {
        for hidden in [0, 3] {
            let model = tiny_model_with_head(hidden);
            let bytes = model.to_bytes();
            assert_eq!(read_u32(&bytes, 8), FORMAT_VERSION_WITH_HEAD);
            let back = Model::from_bytes(&bytes).unwrap();
            assert_eq!(back, model);
            assert_eq!(back.to_bytes(), bytes);
            for text in ["hello 😊", "정말 최고의 영화였어요 ㅋㅋ", ""] {
                assert_eq!(back.predict(text), model.predict(text));
            }
        }
        // Without a head the file stays format 2, byte for byte.
        assert_eq!(read_u32(&tiny_model().to_bytes(), 8), FORMAT_VERSION);
    }

    #[test]
    fn head_changes_the_logits_as_documented() {
        let base = tiny_model();
        let model = tiny_model_with_head(3);
        let head = model.head().unwrap();
        let mut features = Vec::new();
        FeatureExtractor::new().extract("this movie was great fun", &mut features);
        let [p, n] = head.outputs(&features);
        assert!(p != 0.0 && n != 0.0, "{p} {n}");
        let (a, b) = (base.logits(&features, false), model.logits(&features, false));
        assert!((b[1] - a[1] - n).abs() < 1e-5);
        assert!(((b[2] - b[0]) - (a[2] - a[0]) - p).abs() < 1e-5);
        // No features: h = 0, so only relu(b1) reaches w2.
        let a: Vec<f32> = head.b1.iter().map(|&b| b.max(0.0)).collect();
        let expect = [0, 1].map(|k| head.w2[k * 3..k * 3 + 3].iter().zip(&a).fold(0.0, |s, (w, x)| s + w * x));
        assert_eq!(head.outputs(&[]), expect);
    }

    #[test]
    fn head_files_fail_cleanly() {
        let bytes = tiny_model_with_head(3).to_bytes();
        for len in 0..bytes.len() {
            assert!(Model::from_bytes(&bytes[..len]).is_err(), "len {len} accepted");
        }
        for at in (0..bytes.len()).step_by(5) {
            let mut bad = bytes.clone();
            bad[at] ^= 0x40;
            assert!(Model::from_bytes(&bad).is_err(), "flip at {at} accepted");
        }
        // Header fields out of range (the checksum is fixed up so that the header check is what fails).
        for (at, value) in [(44, 30u8), (44, 0), (45, 0), (45, 65), (46, 65), (47, 1)] {
            let mut bad = bytes.clone();
            bad[at] = value;
            let end = bad.len() - CHECKSUM_LEN;
            let sum = fnv1a64(&bad[..end]);
            bad[end..].copy_from_slice(&sum.to_le_bytes());
            assert!(matches!(Model::from_bytes(&bad), Err(ModelError::BadHeader(_))), "byte {at} = {value}");
        }
        // A format-2 file relabelled as 3 (and the reverse) is a length error, not a panic.
        for (from, to) in [(tiny_model().to_bytes(), FORMAT_VERSION_WITH_HEAD), (bytes.clone(), FORMAT_VERSION)] {
            let mut bad = from;
            bad[8..12].copy_from_slice(&to.to_le_bytes());
            let end = bad.len() - CHECKSUM_LEN;
            let sum = fnv1a64(&bad[..end]);
            bad[end..].copy_from_slice(&sum.to_le_bytes());
            assert!(Model::from_bytes(&bad).is_err());
        }
        let mut p = tiny_parts();
        let mut head = tiny_head(3);
        head.w2.pop();
        p.head = Some(head);
        assert!(matches!(Model::from_parts(p), Err(ModelError::LengthMismatch { .. })));
        let mut p = tiny_parts();
        let mut head = tiny_head(3);
        head.b1[0] = f32::INFINITY;
        p.head = Some(head);
        assert!(Model::from_parts(p).is_err());
    }

    #[test]
    fn round_trip_preserves_everything() {
        let model = tiny_model();
        let bytes = model.to_bytes();
        let back = Model::from_bytes(&bytes).unwrap();
        assert_eq!(back, model);
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.predict("hello 😊"), model.predict("hello 😊"));
    }

    #[test]
    fn truncation_at_every_length_is_an_error() {
        let bytes = tiny_model().to_bytes();
        for len in 0..bytes.len() {
            assert!(Model::from_bytes(&bytes[..len]).is_err(), "len {len} accepted");
        }
    }

    #[test]
    fn any_flipped_byte_is_detected() {
        let bytes = tiny_model().to_bytes();
        for at in (0..bytes.len()).step_by(7) {
            let mut bad = bytes.clone();
            bad[at] ^= 0x40;
            assert!(Model::from_bytes(&bad).is_err(), "flip at {at} accepted");
        }
    }

    #[test]
    fn specific_errors() {
        let bytes = tiny_model().to_bytes();
        assert_eq!(Model::from_bytes(b"short"), Err(ModelError::TooShort { len: 5 }));
        let mut bad = bytes.clone();
        bad[0] = b'X';
        assert_eq!(Model::from_bytes(&bad), Err(ModelError::BadMagic));
        let mut bad = bytes.clone();
        bad[8] = 9;
        assert_eq!(Model::from_bytes(&bad), Err(ModelError::UnsupportedFormatVersion(9)));
        let mut bad = bytes.clone();
        bad[8] = 1; // the format before the Korean polarity offset
        assert_eq!(Model::from_bytes(&bad), Err(ModelError::UnsupportedFormatVersion(1)));
        let mut bad = bytes.clone();
        bad[12] = 99;
        assert_eq!(Model::from_bytes(&bad), Err(ModelError::UnsupportedFeatureScheme(99)));
        let mut bad = bytes.clone();
        bad[16] = 30;
        assert!(matches!(Model::from_bytes(&bad), Err(ModelError::BadHeader(_))));
        let mut bad = bytes.clone();
        bad.push(0);
        assert!(matches!(Model::from_bytes(&bad), Err(ModelError::LengthMismatch { .. })));
        let mut bad = bytes.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 1;
        assert!(matches!(Model::from_bytes(&bad), Err(ModelError::ChecksumMismatch { .. })));
        assert!(!ModelError::BadMagic.to_string().is_empty());
    }

    #[test]
    fn prediction_is_consistent() {
        let model = tiny_model();
        let p = model.predict("정말 최고의 영화였어요 ㅋㅋ");
        assert!((p.probs.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert_eq!(p.score, p.probs[p.label.index()]);
        assert!(p.probs.iter().all(|&q| q <= p.score));
        // Empty input: only the biases speak (positive has the largest).
        let empty = model.predict("");
        assert_eq!(empty.label, Label::Positive);
        assert_eq!(model.logits(&[], false), [0.1, -0.2, 0.3]);
        // Korean messages get the Korean polarity offset on top.
        assert_eq!(model.logits(&[], true), [0.1 - 0.25, -0.2, 0.3 + 0.25]);
    }

    #[test]
    fn from_parts_rejects_bad_input() {
        let mut p = tiny_parts();
        p.neutral_scale = f32::NAN;
        assert!(Model::from_parts(p).is_err());
        let mut p = tiny_parts();
        p.polarity.pop();
        assert!(Model::from_parts(p).is_err());
        let mut p = tiny_parts();
        p.neutral_bits = 40;
        assert!(Model::from_parts(p).is_err());
        assert_eq!(Model::from_parts(tiny_parts()).unwrap().to_parts(), tiny_parts());
    }

    #[test]
    fn labels() {
        assert_eq!(Label::Positive.as_str(), "positive");
        assert_eq!(Label::Negative.emoji(), "😞");
        assert_eq!(Label::from_index(1), Some(Label::Neutral));
        assert_eq!(Label::from_index(3), None);
    }
}
