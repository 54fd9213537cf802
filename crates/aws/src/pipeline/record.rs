//! What the pipeline answers about one image, and what the image item says
//! (docs/aws.md, the `IMAGE#<key>` item): `ready` with the stored image's
//! facts, `rejected` with the reason, or still `pending`.

use moodchat_core::{BlobKey, StoredImage};
use moodchat_protocol::{ApiError, UserRef};
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

impl ImageRecord {
    /// A record back from its JSON (the answer of a direct invocation);
    /// `None` if it is not one.
    pub fn from_json(value: &Value) -> Option<ImageRecord> {
        let key = BlobKey::parse(value.get("key")?.as_str()?)?;
        let number = |field: &str| value.get(field).and_then(Value::as_u64);
        match value.get("status")?.as_str()? {
            "ready" => Some(ImageRecord::Ready(StoredImage {
                uploader: UserRef {
                    sub: value.pointer("/uploader/sub")?.as_str()?.to_owned(),
                    name: value.pointer("/uploader/name")?.as_str()?.to_owned(),
                },
                content_type: value.get("content_type")?.as_str()?.to_owned(),
                size: number("size")?,
                width: u32::try_from(number("w")?).ok()?,
                height: u32::try_from(number("h")?).ok()?,
                stored_at_ms: value.get("stored_at")?.as_i64()?,
                key,
            })),
            "rejected" => {
                let reason = serde_json::from_value(value.get("reason")?.clone()).ok()?;
                Some(ImageRecord::Rejected { key, reason })
            }
            "pending" => Some(ImageRecord::Pending { key }),
            _ => None,
        }
    }
}

/// What the pipeline needs from a pending item: the exact size the ticket
/// was granted for (who uploaded is read back with the ready item).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticketed {
    pub size: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use moodchat_core::ImageKind;
    use moodchat_protocol::ErrorCode;

    #[test]
    fn records_round_trip_through_the_answer_json() {
        let key = BlobKey::new_upload("lobby", ImageKind::Jpeg, 1_765_000_000_000);
        let ready = ImageRecord::Ready(StoredImage {
            key: key.clone(),
            uploader: UserRef { sub: "s-1".into(), name: "Ana".into() },
            content_type: "image/jpeg".into(),
            size: 1234,
            width: 60,
            height: 120,
            stored_at_ms: 1_765_000_000_500,
        });
        let rejected = ImageRecord::Rejected {
            key: key.clone(),
            reason: ApiError::new(ErrorCode::UnsupportedMediaType, "the content is not image/jpeg"),
        };
        for record in [ready, rejected, ImageRecord::Pending { key: key.clone() }] {
            assert_eq!(ImageRecord::from_json(&record.to_json()), Some(record.clone()), "{}", record.to_json());
        }
        assert_eq!(ImageRecord::from_json(&json!({"key": key.to_string(), "status": "ready"})), None, "fields missing");
        assert_eq!(ImageRecord::from_json(&json!({"key": "../x", "status": "pending"})), None);
    }
}
