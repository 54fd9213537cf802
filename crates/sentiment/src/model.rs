//! The inference model and its binary weights format.
//!
//! A multinomial logistic regression over hashed features with int8 weights:
//!
//! ```text
//! logit[c] = bias[c] + scale[c] * (sum over features f of w[f][c]) / sqrt(#features)
//! probs    = softmax(logit)
//! ```
//!
//! The weight sum is an exact integer, so native and wasm agree bit for bit;
//! the few float operations afterwards are basic IEEE ops in a fixed order.
//!
//! File format (all little-endian), version 1:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `b"MOODSENT"` |
//! | 8 | 4 | format version (1) |
//! | 12 | 4 | feature scheme version (`features::FEATURE_SCHEME_VERSION`) |
//! | 16 | 1 | bucket bits B (buckets = 2^B, 8..=24) |
//! | 17 | 1 | number of classes (3: negative, neutral, positive) |
//! | 18 | 2 | reserved, 0 |
//! | 20 | 12 | per-class scale, f32 x 3 |
//! | 32 | 12 | per-class bias, f32 x 3 |
//! | 44 | 3 * 2^B | int8 weights, class-major (all buckets of class 0, then 1, then 2) |
//! | end-8 | 8 | FNV-1a 64 checksum of all preceding bytes |
//!
//! Class-major order keeps similar values together, which gzips better; the
//! loader transposes to bucket-major so that prediction reads three adjacent
//! bytes per feature.

use crate::features::{FeatureExtractor, FEATURE_SCHEME_VERSION};
use crate::hash::fnv1a64;
use crate::math::softmax3;
use std::fmt;

pub const MAGIC: [u8; 8] = *b"MOODSENT";
pub const FORMAT_VERSION: u32 = 1;
pub const NUM_CLASSES: usize = 3;
const HEADER_LEN: usize = 44;
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

#[derive(Clone, PartialEq)]
pub struct Model {
    bucket_bits: u8,
    scales: [f32; 3],
    biases: [f32; 3],
    /// Bucket-major: weights[bucket * 3 + class].
    weights: Vec<i8>,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("bucket_bits", &self.bucket_bits)
            .field("scales", &self.scales)
            .field("biases", &self.biases)
            .finish_non_exhaustive()
    }
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn read_f32x3(b: &[u8], at: usize) -> [f32; 3] {
    [0, 1, 2].map(|i| f32::from_bits(read_u32(b, at + 4 * i)))
}

impl Model {
    /// Builds a model from already-quantized parameters (used by the trainer).
    /// `weights` is bucket-major (`weights[bucket * 3 + class]`).
    pub fn from_parts(
        bucket_bits: u8,
        scales: [f32; 3],
        biases: [f32; 3],
        weights: Vec<i8>,
    ) -> Result<Model, ModelError> {
        if !(MIN_BUCKET_BITS..=MAX_BUCKET_BITS).contains(&bucket_bits) {
            return Err(ModelError::BadHeader("bucket bits out of range"));
        }
        if scales.iter().chain(&biases).any(|v| !v.is_finite()) {
            return Err(ModelError::BadHeader("non-finite scale or bias"));
        }
        let expected = NUM_CLASSES << bucket_bits;
        if weights.len() != expected {
            return Err(ModelError::LengthMismatch { expected, actual: weights.len() });
        }
        Ok(Model { bucket_bits, scales, biases, weights })
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
        if version != FORMAT_VERSION {
            return Err(ModelError::UnsupportedFormatVersion(version));
        }
        let scheme = read_u32(bytes, 12);
        if scheme != FEATURE_SCHEME_VERSION {
            return Err(ModelError::UnsupportedFeatureScheme(scheme));
        }
        let bucket_bits = bytes[16];
        if !(MIN_BUCKET_BITS..=MAX_BUCKET_BITS).contains(&bucket_bits) {
            return Err(ModelError::BadHeader("bucket bits out of range"));
        }
        if bytes[17] as usize != NUM_CLASSES {
            return Err(ModelError::BadHeader("number of classes is not 3"));
        }
        if bytes[18] != 0 || bytes[19] != 0 {
            return Err(ModelError::BadHeader("reserved bytes are not zero"));
        }
        let buckets = 1usize << bucket_bits;
        let expected = HEADER_LEN + NUM_CLASSES * buckets + CHECKSUM_LEN;
        if bytes.len() != expected {
            return Err(ModelError::LengthMismatch { expected, actual: bytes.len() });
        }
        let body_end = bytes.len() - CHECKSUM_LEN;
        let stored = u64::from_le_bytes(bytes[body_end..].try_into().unwrap_or([0; 8]));
        let computed = fnv1a64(&bytes[..body_end]);
        if stored != computed {
            return Err(ModelError::ChecksumMismatch { stored, computed });
        }
        let scales = read_f32x3(bytes, 20);
        let biases = read_f32x3(bytes, 32);
        let class_major = &bytes[HEADER_LEN..body_end];
        let mut weights = vec![0i8; NUM_CLASSES * buckets];
        for class in 0..NUM_CLASSES {
            let row = &class_major[class * buckets..(class + 1) * buckets];
            for (bucket, &w) in row.iter().enumerate() {
                weights[bucket * NUM_CLASSES + class] = w as i8;
            }
        }
        Model::from_parts(bucket_bits, scales, biases, weights)
    }

    /// Serialises to the format described in the module docs.
    pub fn to_bytes(&self) -> Vec<u8> {
        let buckets = self.buckets();
        let mut out = Vec::with_capacity(HEADER_LEN + NUM_CLASSES * buckets + CHECKSUM_LEN);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&FEATURE_SCHEME_VERSION.to_le_bytes());
        out.push(self.bucket_bits);
        out.push(NUM_CLASSES as u8);
        out.extend_from_slice(&[0, 0]);
        for v in self.scales.iter().chain(&self.biases) {
            out.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        for class in 0..NUM_CLASSES {
            out.extend(self.weights[class..].iter().step_by(NUM_CLASSES).map(|&w| w as u8));
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

    pub fn bucket_bits(&self) -> u8 {
        self.bucket_bits
    }

    pub fn buckets(&self) -> usize {
        1 << self.bucket_bits
    }

    pub fn scales(&self) -> [f32; 3] {
        self.scales
    }

    pub fn biases(&self) -> [f32; 3] {
        self.biases
    }

    /// Bucket-major int8 weights (`weights[bucket * 3 + class]`).
    pub fn weights(&self) -> &[i8] {
        &self.weights
    }

    /// Classifies one message.
    pub fn predict(&self, text: &str) -> Prediction {
        let mut features = Vec::with_capacity(8 * text.len() + 16);
        self.predict_with(&mut FeatureExtractor::new(), &mut features, text)
    }

    /// Like `predict`, reusing caller-owned buffers (no allocation in steady state).
    pub fn predict_with(
        &self,
        extractor: &mut FeatureExtractor,
        features: &mut Vec<u32>,
        text: &str,
    ) -> Prediction {
        extractor.extract(text, self.bucket_bits as u32, features);
        let probs = softmax3(self.logits(features));
        let mut best = 0;
        for c in 1..NUM_CLASSES {
            // Strict comparison: ties go to the lower index, deterministically.
            if probs[c] > probs[best] {
                best = c;
            }
        }
        Prediction { label: Label::ALL[best], score: probs[best], probs }
    }

    /// Calibrated logits for a list of bucket indices.
    pub fn logits(&self, features: &[u32]) -> [f32; 3] {
        let mut sums = [0i32; 3];
        for &f in features {
            let at = (f as usize & (self.buckets() - 1)) * NUM_CLASSES;
            let w = &self.weights[at..at + NUM_CLASSES];
            sums[0] += w[0] as i32;
            sums[1] += w[1] as i32;
            sums[2] += w[2] as i32;
        }
        let norm = if features.is_empty() { 0.0 } else { 1.0 / (features.len() as f32).sqrt() };
        [0, 1, 2].map(|c| self.biases[c] + self.scales[c] * (sums[c] as f32 * norm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_model() -> Model {
        let bits = 8;
        let weights = (0..(3usize << bits)).map(|i| ((i * 37 % 255) as i32 - 127) as i8).collect();
        Model::from_parts(bits, [0.01, 0.02, 0.03], [0.1, -0.2, 0.3], weights).unwrap()
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
        // Empty input: only the biases speak.
        let empty = model.predict("");
        assert_eq!(empty.label, Label::Positive);
    }

    #[test]
    fn from_parts_rejects_bad_input() {
        assert!(Model::from_parts(8, [f32::NAN, 1.0, 1.0], [0.0; 3], vec![0; 768]).is_err());
        assert!(Model::from_parts(8, [1.0; 3], [0.0; 3], vec![0; 767]).is_err());
        assert!(Model::from_parts(40, [1.0; 3], [0.0; 3], vec![]).is_err());
    }

    #[test]
    fn labels() {
        assert_eq!(Label::Positive.as_str(), "positive");
        assert_eq!(Label::Negative.emoji(), "😞");
        assert_eq!(Label::from_index(1), Some(Label::Neutral));
        assert_eq!(Label::from_index(3), None);
    }
}
