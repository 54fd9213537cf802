//! The image items of docs/aws.md (`IMAGE#<key>` / `META`): written
//! `pending` when an upload ticket is granted, made `ready` by the image
//! pipeline once the upload was checked and stored (its conditional update
//! `IF status = pending` fits the item written here), and read back as the
//! core's `ImageCatalog` when a message names the image.

use std::sync::Arc;

use async_trait::async_trait;
use moodchat_core::error::internal;
use moodchat_core::ports::Clock;
use moodchat_core::{BlobKey, ImageCatalog, StoredImage, UploadGrant};
use moodchat_protocol::{ApiError, UserRef};

use super::attrs::{n, number, s, text};
use super::keys::META;
use super::store::is_condition_failure;
use super::{failed, Item, Table};
use crate::s3::S3Signer;

/// `status` of an image whose upload has not been processed (yet).
pub const PENDING: &str = "pending";
/// `status` of an image the pipeline checked and stored.
pub const READY: &str = "ready";

/// A pending item outlives its ticket by a day: time for the pipeline to
/// run late, after which DynamoDB's TTL removes what was never uploaded
/// (the bucket's lifecycle removes the upload itself).
const PENDING_KEPT_AFTER_TICKET_SECS: i64 = 24 * 60 * 60;

/// The partition key of an image item: the blob key, `rooms/<room>/<ULID>.<ext>`.
pub fn image_pk(key: &BlobKey) -> String {
    format!("IMAGE#{key}")
}

#[derive(Clone)]
pub struct DynamoImages {
    table: Table,
    clock: Arc<dyn Clock>,
    /// The bucket the image files are in, to remove them when their message
    /// is unsent.
    objects: Option<(aws_sdk_s3::Client, String)>,
}

impl DynamoImages {
    pub fn new(table: Table, clock: Arc<dyn Clock>) -> Self {
        Self { table, clock, objects: None }
    }

    /// Where the image files are (`images/…`, `uploads/…`): an unsent
    /// message's image is removed from there too.
    pub fn with_objects(mut self, client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        self.objects = Some((client, bucket.into()));
        self
    }

    /// The `pending` item of a granted ticket: who may attach the image
    /// (the uploader, in the key's room), what was announced (type, exact
    /// size). A key is new for every ticket (80 random bits); the condition
    /// keeps a second write of one key from resetting a processed image.
    pub async fn record_pending(&self, grant: &UploadGrant) -> Result<(), ApiError> {
        let now_ms = self.clock.now_ms();
        let expires_at = grant.expires_at_ms.div_euclid(1000) + PENDING_KEPT_AFTER_TICKET_SECS;
        let outcome = self
            .table
            .client
            .put_item()
            .table_name(&self.table.name)
            .item("PK", s(image_pk(&grant.key)))
            .item("SK", s(META))
            .item("room", s(&grant.key.room))
            .item("uploader_sub", s(&grant.uploader.sub))
            .item("uploader_name", s(&grant.uploader.name))
            .item("content_type", s(grant.key.kind.content_type()))
            .item("size", n(grant.size))
            .item("status", s(PENDING))
            .item("created_at", n(now_ms))
            .item("expires_at", n(expires_at))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match outcome {
            Ok(_) => Ok(()),
            Err(error) if is_condition_failure(&error) => Err(internal("an image with this key exists already")),
            Err(error) => Err(failed("PutItem image")(error)),
        }
    }
}

#[async_trait]
impl ImageCatalog for DynamoImages {
    /// Only `ready` images are stored ones: a pending upload cannot be
    /// attached before the pipeline checked it.
    async fn stored_image(&self, key: &BlobKey) -> Result<Option<StoredImage>, ApiError> {
        let Some(item) = self.table.get(&image_pk(key), META).await? else { return Ok(None) };
        Ok(stored_image(key, &item, self.clock.now_ms().div_euclid(1000)))
    }

    /// Its message was unsent: the item first (no message can name the
    /// image from then on), then the image, its thumbnail and the upload in
    /// the bucket. Deleting what is not there succeeds, so a retry is safe.
    async fn remove_image(&self, key: &BlobKey) -> Result<(), ApiError> {
        self.table
            .client
            .delete_item()
            .table_name(&self.table.name)
            .key("PK", s(image_pk(key)))
            .key("SK", s(META))
            .send()
            .await
            .map_err(failed("DeleteItem image"))?;
        let Some((client, bucket)) = &self.objects else { return Ok(()) };
        let objects = [S3Signer::image_object(key), S3Signer::image_object(&key.thumbnail()), S3Signer::upload_object(key)];
        for object in objects {
            client.delete_object().bucket(bucket).key(object).send().await.map_err(failed("DeleteObject image"))?;
        }
        Ok(())
    }
}

/// The stored image an item describes, if it is ready (and not expired:
/// DynamoDB deletes expired items lazily). Dimensions and size are the
/// pipeline's (the re-encoded original); `stored_at` falls back to when the
/// ticket was granted.
pub fn stored_image(key: &BlobKey, item: &Item, now_secs: i64) -> Option<StoredImage> {
    if text(item, "status") != Some(READY) {
        return None;
    }
    if number::<i64>(item, "expires_at").is_some_and(|expires_at| expires_at <= now_secs) {
        return None;
    }
    let uploader_sub = text(item, "uploader_sub")?.to_owned();
    Some(StoredImage {
        key: key.clone(),
        uploader: UserRef {
            name: text(item, "uploader_name").unwrap_or(&uploader_sub).to_owned(),
            sub: uploader_sub,
        },
        content_type: text(item, "content_type").unwrap_or(key.kind.content_type()).to_owned(),
        size: number(item, "size")?,
        width: number(item, "w")?,
        height: number(item, "h")?,
        stored_at_ms: number(item, "stored_at").or_else(|| number(item, "created_at")).unwrap_or_default(),
    })
}
