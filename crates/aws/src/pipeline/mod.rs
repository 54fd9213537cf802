//! The image pipeline (the `image-pipeline` function, docs/aws.md): for an
//! upload under `uploads/<key>`, the checks and cleaning the embedded
//! server does (moodchat-imaging: magic bytes against the key's kind, a
//! bounded decode, EXIF orientation, metadata dropped by re-encoding, the
//! thumbnail), the results under `images/`, the image item moved from
//! `pending` to `ready` once, the upload deleted, and the administrators'
//! notice. A bad upload (not an image, another kind, too big, a decode
//! bomb) is deleted and its item marked `rejected` with the reason; only
//! failures of AWS itself are errors (an S3 event is then retried).

pub mod catalog;
pub mod event;
pub mod items;
pub mod notice;
pub mod objects;
pub mod record;

use std::sync::Arc;

use moodchat_core::error::{bad_request, internal, too_large, unsupported_media_type};
use moodchat_core::{BlobKey, Clock, Notifier};
use moodchat_protocol::limits::{MAX_UPLOAD_BYTES, THUMBNAIL_MAX_PX};
use moodchat_protocol::{ApiError, ErrorCode};
use serde_json::Value;

use event::Invocation;
use items::{ImageItems, ItemState, Marked, Processed};
use objects::{Bucket, Upload};
pub use record::ImageRecord;

#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// The largest upload processed (`MOODCHAT_MAX_UPLOAD_BYTES`, as the
    /// tickets are granted).
    pub max_upload_bytes: u64,
    pub thumbnail_max_px: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self { max_upload_bytes: MAX_UPLOAD_BYTES, thumbnail_max_px: THUMBNAIL_MAX_PX }
    }
}

pub struct Pipeline {
    bucket: Bucket,
    items: ImageItems,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
    settings: Settings,
}

impl Pipeline {
    pub fn new(
        bucket: Bucket,
        items: ImageItems,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Self {
        Self { bucket, items, notifier, clock, settings }
    }

    /// One invocation: a direct one is answered with its image's record;
    /// an S3 event with the records of its uploads (S3 ignores the answer).
    pub async fn handle(&self, event: &Value) -> Result<Value, ApiError> {
        match event::parse(event)? {
            Invocation::Direct(key) => Ok(self.process(&key).await?.to_json()),
            Invocation::Uploads(object_keys) => {
                let mut records = Vec::new();
                let mut failure = None;
                for object_key in object_keys {
                    let Some(key) = event::upload_of(&object_key) else {
                        // Nothing but the pipeline's own keys belongs under uploads/.
                        tracing::warn!(object_key, "an upload that names no image: deleted");
                        self.bucket.delete_stray(&object_key).await;
                        continue;
                    };
                    match self.process(&key).await {
                        Ok(record) => records.push(record.to_json()),
                        Err(error) => failure = Some(error),
                    }
                }
                // The others are settled and answer the same when retried.
                match failure {
                    Some(error) => Err(error),
                    None => Ok(Value::Array(records)),
                }
            }
        }
    }

    /// Processes the upload of `key` once; any later call answers what was
    /// decided.
    pub async fn process(&self, key: &BlobKey) -> Result<ImageRecord, ApiError> {
        let ticketed = match self.items.state(key, self.clock.now_ms()).await? {
            ItemState::Settled(record) => {
                // A second PUT with the ticket's URL changes nothing.
                self.bucket.delete_upload(key).await;
                return Ok(record);
            }
            ItemState::Absent => {
                self.bucket.delete_upload(key).await;
                return Ok(items::no_ticket(key));
            }
            ItemState::Pending(ticketed) => ticketed,
        };
        let bytes = match self.bucket.upload(key, self.settings.max_upload_bytes).await? {
            Upload::Bytes(bytes) => bytes,
            Upload::Oversized { size } => {
                let limit = self.settings.max_upload_bytes;
                return self.reject(key, too_large(format!("the upload has {size} bytes; the limit is {limit}"))).await;
            }
            // Not uploaded yet, or another invocation took it: the item says which.
            Upload::Missing => {
                return match self.items.state(key, self.clock.now_ms()).await? {
                    ItemState::Settled(record) => Ok(record),
                    ItemState::Pending(_) => Ok(ImageRecord::Pending { key: key.clone() }),
                    ItemState::Absent => Ok(items::no_ticket(key)),
                }
            }
        };
        if let Some(size) = ticketed.size.filter(|&size| size != bytes.len() as u64) {
            let got = bytes.len();
            return self
                .reject(key, bad_request(format!("the upload has {got} bytes; the ticket was for {size}")))
                .await;
        }
        let (kind, thumbnail_max_px) = (key.kind, self.settings.thumbnail_max_px);
        let prepared = match tokio::task::spawn_blocking(move || {
            moodchat_imaging::prepare(kind, &bytes, thumbnail_max_px)
        })
        .await
        {
            Ok(Ok(prepared)) => prepared,
            Ok(Err(error)) if error.code == ErrorCode::Internal => return Err(error),
            Ok(Err(reason)) => return self.reject(key, reason).await,
            // A decoder that panics on these bytes would panic again on a retry.
            Err(_) => return self.reject(key, unsupported_media_type("the image could not be decoded")).await,
        };
        let processed = Processed {
            content_type: kind.content_type().to_owned(),
            size: prepared.original.len() as u64,
            width: prepared.width,
            height: prepared.height,
            stored_at_ms: self.clock.now_ms(),
        };
        // Written before the item says ready, so a ready image is always there.
        self.bucket.put_image(key, prepared.original).await?;
        self.bucket.put_image(&key.thumbnail(), prepared.thumbnail).await?;
        let marked = self.items.mark_ready(key, &processed, self.clock.now_ms()).await?;
        self.bucket.delete_upload(key).await;
        match marked {
            Marked::Won(record) => {
                if let Some(image) = record.stored() {
                    self.notifier.image_stored(image).await;
                }
                Ok(record)
            }
            Marked::Lost(state) => Ok(answer(key, state)),
        }
    }

    /// Records the refusal (once) and deletes the upload.
    async fn reject(&self, key: &BlobKey, reason: ApiError) -> Result<ImageRecord, ApiError> {
        tracing::info!(%key, code = ?reason.code, reason = %reason.message, "upload rejected");
        let marked = self.items.mark_rejected(key, &reason, self.clock.now_ms()).await?;
        self.bucket.delete_upload(key).await;
        Ok(match marked {
            Marked::Won(record) => record,
            Marked::Lost(state) => answer(key, state),
        })
    }
}

/// What a call that lost the race answers: what the winner decided.
fn answer(key: &BlobKey, state: ItemState) -> ImageRecord {
    match state {
        ItemState::Settled(record) => record,
        ItemState::Pending(_) => ImageRecord::Pending { key: key.clone() },
        ItemState::Absent => items::no_ticket(key),
    }
}

/// A required setting, or the function does not start.
fn required(name: &str) -> Result<String, ApiError> {
    std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or_else(|| internal(format!("{name} is not set")))
}

impl Pipeline {
    /// From `MOODCHAT_TABLE_NAME`, `MOODCHAT_BUCKET_NAME`,
    /// `MOODCHAT_TOPIC_ARN`, `MOODCHAT_MAX_UPLOAD_BYTES` and the SDK's
    /// environment (`AWS_ENDPOINT_URL_{DYNAMODB,S3,SNS}` locally).
    pub fn from_env() -> Result<Self, ApiError> {
        use crate::sdk::Environment;
        let environment = Environment::from_env();
        let table = crate::Table::new(
            environment.dynamodb(Environment::endpoint_override("DYNAMODB").as_deref()),
            required("MOODCHAT_TABLE_NAME")?,
        );
        let bucket = Bucket::new(
            environment.s3(Environment::endpoint_override("S3").as_deref()),
            required("MOODCHAT_BUCKET_NAME")?,
        );
        let notifier = notice::SnsNotifier::new(
            environment.sns(Environment::endpoint_override("SNS").as_deref()),
            required("MOODCHAT_TOPIC_ARN")?,
        );
        let max_upload_bytes = match std::env::var("MOODCHAT_MAX_UPLOAD_BYTES") {
            Ok(text) => {
                text.parse().map_err(|_| internal(format!("MOODCHAT_MAX_UPLOAD_BYTES={text:?} is not a number")))?
            }
            Err(_) => MAX_UPLOAD_BYTES,
        };
        let settings = Settings { max_upload_bytes, ..Settings::default() };
        Ok(Self::new(
            bucket,
            ImageItems::new(table),
            Arc::new(notifier),
            Arc::new(moodchat_core::SystemClock),
            settings,
        ))
    }
}
