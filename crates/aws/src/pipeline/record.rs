//! What the pipeline answers about one image, and what the image item says
//! (docs/aws.md, the `IMAGE#<key>` item): `ready` with the stored image's
//! facts, `rejected` with the reason, or still `pending`.

use moodchat_core::{BlobKey, StoredImage};
use moodchat_protocol::ApiError;
use serde_json::{json, Value};

/// The outcome for one upload key; a direct invocation is answered with
/// its JSON (`to_json`).
#[derive(Clone, Debug, PartialEq)]
pub enum ImageRecord {
    /// Checked, cleaned and stored under `images/`, with its thumbnail.
    Ready(StoredImage),
    /// Refused for good (the upload was deleted); `reason` is the error a
    /// send naming the image gets.
    Rejected { key: BlobKey, reason: ApiError },
    /// Ticketed, but nothing uploaded yet.
    Pending { key: BlobKey },
}

impl ImageRecord {
    pub fn key(&self) -> &BlobKey {
        match self {
            ImageRecord::Ready(image) => &image.key,
            ImageRecord::Rejected { key, .. } | ImageRecord::Pending { key } => key,
        }
    }

    pub fn stored(&self) -> Option<&StoredImage> {
        match self {
            ImageRecord::Ready(image) => Some(image),
            _ => None,
        }
    }

    /// `{"key", "status": "ready", "content_type", "size", "w", "h",
    /// "thumb_key", "uploader": {"sub", "name"}, "stored_at"}`,
    /// `{"key", "status": "rejected", "reason": {"code", "message"}}` or
    /// `{"key", "status": "pending"}`: the item's own field names.
    pub fn to_json(&self) -> Value {
        match self {
            ImageRecord::Ready(image) => json!({
                "key": image.key.to_string(),
                "status": "ready",
                "content_type": image.content_type,
                "size": image.size,
                "w": image.width,
                "h": image.height,
                "thumb_key": image.key.thumbnail().to_string(),
                "uploader": {"sub": image.uploader.sub, "name": image.uploader.name},
                "stored_at": image.stored_at_ms,
            }),
            ImageRecord::Rejected { key, reason } => json!({
                "key": key.to_string(),
                "status": "rejected",
                "reason": {"code": reason.code, "message": reason.message},
            }),
            ImageRecord::Pending { key } => json!({"key": key.to_string(), "status": "pending"}),
        }
    }
}

/// What the pipeline needs from a pending item: the exact size the ticket
/// was granted for (who uploaded is read back with the ready item).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticketed {
    pub size: Option<u64>,
}
