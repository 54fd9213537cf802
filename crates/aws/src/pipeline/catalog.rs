//! The `ImageCatalog` of the functions that take sends (`ws-default`,
//! `http-api`): an image whose item is still `pending` when a message names
//! it is processed at once, by invoking `image-pipeline` synchronously
//! (`MOODCHAT_IMAGE_PIPELINE_FUNCTION`), instead of refusing a send that
//! came a moment before S3's event. The pipeline's conditional update makes
//! the two runs one; a refused upload answers the send with its reason.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use moodchat_core::error::{internal, unavailable};
use moodchat_core::ports::Clock;
use moodchat_core::{BlobKey, ImageCatalog, StoredImage};
use moodchat_protocol::ApiError;
use serde_json::{json, Value};

use super::items::{ImageItems, ItemState};
use crate::dynamo::images::DynamoImages;
use super::record::ImageRecord;
use super::Pipeline;

/// Runs the pipeline for one upload now and answers its record.
#[async_trait]
pub trait Processor: Send + Sync {
    async fn process(&self, key: &BlobKey) -> Result<ImageRecord, ApiError>;
}

/// In this process (the pipeline's own tests, or a single-process home).
#[async_trait]
impl Processor for Pipeline {
    async fn process(&self, key: &BlobKey) -> Result<ImageRecord, ApiError> {
        Pipeline::process(self, key).await
    }
}

/// How long a send waits for the pipeline: within the sending function's
/// own 10 s (the template's Globals), with room to answer.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(7);

/// The `image-pipeline` function, invoked synchronously (`RequestResponse`).
pub struct LambdaPipeline {
    client: aws_sdk_lambda::Client,
    function: String,
}

impl LambdaPipeline {
    pub fn new(client: aws_sdk_lambda::Client, function: impl Into<String>) -> Self {
        Self { client, function: function.into() }
    }
}

#[async_trait]
impl Processor for LambdaPipeline {
    async fn process(&self, key: &BlobKey) -> Result<ImageRecord, ApiError> {
        let payload = json!({ "key": key.to_string() }).to_string();
        let invoke = self
            .client
            .invoke()
            .function_name(&self.function)
            .invocation_type(InvocationType::RequestResponse)
            .payload(Blob::new(payload))
            .send();
        let output = match tokio::time::timeout(INVOKE_TIMEOUT, invoke).await {
            Ok(Ok(output)) => output,
            Ok(Err(error)) => {
                tracing::error!(%key, ?error, "image-pipeline could not be invoked");
                return Err(internal("the image could not be processed; try again"));
            }
            // The pipeline goes on in its own invocation; a retry finds it done.
            Err(_) => return Err(unavailable("the image is still being processed; try again in a moment")),
        };
        let body = output.payload.map(Blob::into_inner).unwrap_or_default();
        if let Some(kind) = output.function_error {
            tracing::error!(%key, kind, body = %String::from_utf8_lossy(&body), "image-pipeline failed");
            return Err(internal("the image could not be processed; try again"));
        }
        serde_json::from_slice::<Value>(&body).ok().as_ref().and_then(ImageRecord::from_json).ok_or_else(|| {
            tracing::error!(%key, body = %String::from_utf8_lossy(&body), "image-pipeline answered no image record");
            internal("the image could not be processed; try again")
        })
    }
}

/// The image items as the core's catalog, processing pending uploads on
/// demand; removing an unsent message's image is the plain catalog's.
pub struct ProcessingCatalog {
    images: DynamoImages,
    items: ImageItems,
    processor: Arc<dyn Processor>,
    clock: Arc<dyn Clock>,
}

impl ProcessingCatalog {
    pub fn new(images: DynamoImages, items: ImageItems, processor: Arc<dyn Processor>, clock: Arc<dyn Clock>) -> Self {
        Self { images, items, processor, clock }
    }
}

#[async_trait]
impl ImageCatalog for ProcessingCatalog {
    /// Ready: the stored image. Pending: processed now (still nothing
    /// uploaded: none). Rejected: the reason, so the sender learns why.
    async fn stored_image(&self, key: &BlobKey) -> Result<Option<StoredImage>, ApiError> {
        let record = match self.items.state(key, self.clock.now_ms()).await? {
            ItemState::Absent => return Ok(None),
            ItemState::Settled(record) => record,
            ItemState::Pending(_) => self.processor.process(key).await?,
        };
        match record {
            ImageRecord::Ready(image) => Ok(Some(image)),
            ImageRecord::Rejected { reason, .. } => Err(reason),
            ImageRecord::Pending { .. } => Ok(None),
        }
    }

    async fn remove_image(&self, key: &BlobKey) -> Result<(), ApiError> {
        self.images.remove_image(key).await
    }
}
