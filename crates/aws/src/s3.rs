//! The core's `BlobSigner` on S3 (docs/aws.md, "The functions"): an upload
//! ticket is a presigned PUT of `uploads/<key>` whose signature covers the
//! content type and the exact content length (S3 refuses a PUT with other
//! values: they are signed headers), valid for the ticket's ten minutes;
//! granting it records the image's `pending` item first. Download URLs are
//! presigned GETs of `images/<key>`, where the image pipeline writes the
//! checked image and its thumbnail.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use moodchat_core::error::internal;
use moodchat_core::ports::Clock;
use moodchat_core::{BlobKey, BlobSigner, UploadGrant};
use moodchat_protocol::images::UploadTicket;
use moodchat_protocol::ApiError;

use crate::dynamo::images::DynamoImages;

/// Where browsers upload (a day's lifecycle rule removes what stays there).
pub const UPLOADS_PREFIX: &str = "uploads/";
/// Where the image pipeline stores checked images and thumbnails.
pub const IMAGES_PREFIX: &str = "images/";

/// A download URL is valid for at least an hour. Its validity starts on a
/// quarter-hour boundary, so the URLs of one image signed within the same
/// quarter hour are the same and the browser's cache keeps the image.
const DOWNLOAD_TTL: Duration = Duration::from_secs(60 * 60);
const DOWNLOAD_STEP_SECS: u64 = 15 * 60;

#[derive(Clone)]
pub struct S3Signer {
    client: aws_sdk_s3::Client,
    bucket: String,
    images: DynamoImages,
    clock: Arc<dyn Clock>,
}

impl S3Signer {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>, images: DynamoImages, clock: Arc<dyn Clock>) -> Self {
        Self { client, bucket: bucket.into(), images, clock }
    }

    /// The upload's object key: `uploads/rooms/<room>/<ULID>.<ext>`.
    pub fn upload_object(key: &BlobKey) -> String {
        format!("{UPLOADS_PREFIX}{key}")
    }

    /// A stored image's (or thumbnail's) object key: `images/rooms/...`.
    pub fn image_object(key: &BlobKey) -> String {
        format!("{IMAGES_PREFIX}{key}")
    }

    /// The presigned PUT of a grant, valid from `now_ms` to its expiry.
    pub async fn presign_upload(&self, grant: &UploadGrant, now_ms: i64) -> Result<PresignedRequest, ApiError> {
        let valid_for = Duration::from_millis(grant.expires_at_ms.saturating_sub(now_ms).max(1_000) as u64);
        let config = PresigningConfig::builder()
            .start_time(at(now_ms))
            .expires_in(valid_for)
            .build()
            .map_err(presign_failed)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(Self::upload_object(&grant.key))
            .content_type(grant.key.kind.content_type())
            .content_length(i64::try_from(grant.size).map_err(|_| internal("the size does not fit S3's"))?)
            .presigned(config)
            .await
            .map_err(presign_failed)
    }
}

#[async_trait]
impl BlobSigner for S3Signer {
    async fn upload_ticket(&self, grant: &UploadGrant) -> Result<UploadTicket, ApiError> {
        let now_ms = self.clock.now_ms();
        self.images.record_pending(grant).await?;
        let presigned = self.presign_upload(grant, now_ms).await?;
        Ok(UploadTicket {
            url: presigned.uri().to_owned(),
            method: presigned.method().to_owned(),
            headers: ticket_headers(&presigned),
            key: grant.key.to_string(),
            expires_at: grant.expires_at_ms,
        })
    }

    async fn download_url(&self, key: &BlobKey) -> Result<String, ApiError> {
        let now_secs = self.clock.now_ms().div_euclid(1000).max(0) as u64;
        let start_secs = now_secs - now_secs % DOWNLOAD_STEP_SECS;
        let config = PresigningConfig::builder()
            .start_time(UNIX_EPOCH + Duration::from_secs(start_secs))
            .expires_in(DOWNLOAD_TTL + Duration::from_secs(DOWNLOAD_STEP_SECS))
            .build()
            .map_err(presign_failed)?;
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(Self::image_object(key))
            .presigned(config)
            .await
            .map_err(presign_failed)?;
        Ok(presigned.uri().to_owned())
    }
}

/// The headers the uploader sets: the signed ones a client chooses. Host and
/// Content-Length are signed too, but every HTTP client (and a browser
/// always) sets them from the URL and the body, so the ticket leaves them
/// out, as the embedded server's tickets do. Unsigned headers the SDK adds
/// (`X-Amzn-Trace-Id` inside Lambda) are not the uploader's business.
fn ticket_headers(presigned: &PresignedRequest) -> BTreeMap<String, String> {
    let signed = signed_headers(presigned.uri());
    presigned
        .headers()
        .filter(|(name, _)| signed.iter().any(|s| s.eq_ignore_ascii_case(name)))
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("host"))
        .map(|(name, value)| (canonical_case(name), value.to_owned()))
        .collect()
}

/// The names in a presigned URL's `X-Amz-SignedHeaders` (`a%3Bb`: `;`-separated).
fn signed_headers(uri: &str) -> Vec<String> {
    let query = uri.split_once('?').map(|(_, query)| query).unwrap_or_default();
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("X-Amz-SignedHeaders="))
        .map(|list| list.replace("%3B", ";").replace("%3b", ";").split(';').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// `content-type` as `Content-Type`, the spelling the protocol documents.
fn canonical_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn at(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

fn presign_failed<E: std::fmt::Debug>(error: E) -> ApiError {
    tracing::error!(?error, "S3 presigning failed");
    internal("the upload could not be prepared; try again")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_header_names_come_from_the_url() {
        let uri = "https://b.s3.amazonaws.com/uploads/x?x-id=PutObject&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&X-Amz-Signature=f";
        assert_eq!(signed_headers(uri), ["content-length", "content-type", "host"]);
        assert!(signed_headers("https://b/x").is_empty());
    }

    #[test]
    fn header_names_are_spelled_as_the_protocol_does() {
        assert_eq!(canonical_case("content-type"), "Content-Type");
        assert_eq!(canonical_case("x-amz-meta-a"), "X-Amz-Meta-A");
    }
}
