//! The bucket as the pipeline sees it: uploads land under `uploads/<key>`
//! (presigned PUTs), checked images and thumbnails are written under
//! `images/<key>`, and an upload is deleted once it has been dealt with.

use aws_sdk_s3::primitives::ByteStream;
use moodchat_core::error::internal;
use moodchat_core::BlobKey;
use moodchat_protocol::ApiError;

pub const UPLOADS: &str = "uploads/";
pub const IMAGES: &str = "images/";

pub fn upload_key(key: &BlobKey) -> String {
    format!("{UPLOADS}{key}")
}

pub fn image_key(key: &BlobKey) -> String {
    format!("{IMAGES}{key}")
}

#[derive(Clone, Debug)]
pub struct Bucket {
    client: aws_sdk_s3::Client,
    name: String,
}

/// An upload as fetched.
#[derive(Debug)]
pub enum Upload {
    /// Nothing at `uploads/<key>`: not uploaded yet, or already dealt with.
    Missing,
    /// Larger than the pipeline takes: not read at all.
    Oversized {
        size: u64,
    },
    Bytes(Vec<u8>),
}

impl Bucket {
    pub fn new(client: aws_sdk_s3::Client, name: impl Into<String>) -> Self {
        Self { client, name: name.into() }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The upload's bytes, its length checked against `max_bytes` before
    /// the body is read.
    pub async fn upload(&self, key: &BlobKey, max_bytes: u64) -> Result<Upload, ApiError> {
        let output = match self.client.get_object().bucket(&self.name).key(upload_key(key)).send().await {
            Ok(output) => output,
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(Upload::Missing),
            Err(error) => return Err(s3_failed("GetObject", error)),
        };
        let size = output.content_length.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        if size > max_bytes {
            return Ok(Upload::Oversized { size });
        }
        let bytes = output.body.collect().await.map_err(|error| s3_failed("GetObject body", error))?.into_bytes();
        // S3 sends what it said it would; a longer body is not read into memory unchecked.
        if bytes.len() as u64 > max_bytes {
            return Ok(Upload::Oversized { size: bytes.len() as u64 });
        }
        Ok(Upload::Bytes(bytes.to_vec()))
    }

    /// Writes a checked image (or thumbnail) under `images/`.
    pub async fn put_image(&self, key: &BlobKey, bytes: Vec<u8>) -> Result<(), ApiError> {
        self.client
            .put_object()
            .bucket(&self.name)
            .key(image_key(key))
            .content_type(key.kind.content_type())
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|error| s3_failed("PutObject", error))?;
        Ok(())
    }

    /// Best effort: an upload left behind is removed by the bucket's
    /// lifecycle rule after a day, and is never processed twice (its item
    /// is no longer pending).
    pub async fn delete_upload(&self, key: &BlobKey) {
        if let Err(error) = self.client.delete_object().bucket(&self.name).key(upload_key(key)).send().await {
            tracing::warn!(%key, ?error, "the upload could not be deleted; the lifecycle rule will");
        }
    }

    /// Deletes an object under `uploads/` that names no image (best effort).
    pub async fn delete_stray(&self, object_key: &str) {
        if !object_key.starts_with(UPLOADS) {
            return;
        }
        if let Err(error) = self.client.delete_object().bucket(&self.name).key(object_key).send().await {
            tracing::warn!(object_key, ?error, "a stray upload could not be deleted; the lifecycle rule will");
        }
    }
}

fn s3_failed<E: std::fmt::Debug>(operation: &'static str, error: E) -> ApiError {
    tracing::error!(operation, ?error, "S3 request failed");
    internal("the image storage did not answer; try again")
}
