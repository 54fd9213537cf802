//! On-device message sentiment for moodchat: text -> negative / neutral /
//! positive with probabilities, for Korean and English chat messages.
//!
//! Pure Rust with no dependencies at inference time, deterministic and
//! bit-identical on native and wasm32. See the crate README for training,
//! evaluation and the weights format.
//!
//! ```no_run
//! # fn demo(bytes: &[u8]) -> Result<(), moodchat_sentiment::ModelError> {
//! let model = moodchat_sentiment::Model::from_bytes(bytes)?;
//! let p = model.predict("정말 최고의 영화였어요 ㅋㅋ");
//! println!("{} {} {:.2}", p.label.emoji(), p.label.as_str(), p.score);
//! # Ok(()) }
//! ```

pub mod context_cues;
pub mod features;
pub mod hash;
pub mod lexicon;
pub mod math;
mod model;
pub mod tokenize;

#[cfg(feature = "train")]
pub mod train;

pub use model::{
    EmbeddingHead, Label, Model, ModelError, ModelParts, Prediction, FORMAT_VERSION, FORMAT_VERSION_WITH_HEAD, MAGIC, NUM_CLASSES,
};
