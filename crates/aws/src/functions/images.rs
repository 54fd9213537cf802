//! The image ports of a function: S3 presigning and the table's image
//! items, when the function is given the bucket (`MOODCHAT_BUCKET_NAME`);
//! without it messages carry no images (`unavailable`), as on an embedded
//! server without image storage.

use std::sync::Arc;

use moodchat_core::ports::SystemClock;
use moodchat_core::{ImageCatalog, ImagePorts};
use moodchat_protocol::limits::MAX_UPLOAD_BYTES;

use crate::dynamo::images::DynamoImages;
use crate::pipeline::catalog::{LambdaPipeline, ProcessingCatalog};
use crate::pipeline::items::ImageItems;
use crate::s3::S3Signer;
use crate::sdk::Environment;
use crate::Table;

/// From `MOODCHAT_BUCKET_NAME`, `MOODCHAT_MAX_UPLOAD_BYTES` (the protocol's
/// limit when unset), `MOODCHAT_IMAGE_PIPELINE_FUNCTION` (if set) and
/// `AWS_ENDPOINT_URL_S3`, `_LAMBDA` (moto and the gateway, locally).
pub fn ports_from_env(environment: &Environment, table: &Table) -> Result<Option<ImagePorts>, lambda_runtime::Error> {
    let Some(bucket) = std::env::var("MOODCHAT_BUCKET_NAME").ok().filter(|b| !b.is_empty()) else { return Ok(None) };
    let max_upload_bytes = match std::env::var("MOODCHAT_MAX_UPLOAD_BYTES") {
        Ok(value) => value.parse().map_err(|_| format!("MOODCHAT_MAX_UPLOAD_BYTES is not a number: {value:?}"))?,
        Err(_) => MAX_UPLOAD_BYTES,
    };
    let clock = Arc::new(SystemClock);
    let s3 = environment.s3(Environment::endpoint_override("S3").as_deref());
    let images = DynamoImages::new(table.clone(), clock.clone()).with_objects(s3.clone(), bucket.clone());
    let signer = S3Signer::new(s3, bucket, images.clone(), clock.clone());
    // With the pipeline's name, a send naming an image still pending runs
    // it at once (docs/aws.md, "image ready") instead of being refused.
    let pipeline_function = std::env::var("MOODCHAT_IMAGE_PIPELINE_FUNCTION").ok().filter(|f| !f.is_empty());
    let catalog: Arc<dyn ImageCatalog> = match pipeline_function {
        Some(function) => {
            let lambda = environment.lambda(Environment::endpoint_override("LAMBDA").as_deref());
            let pipeline = Arc::new(LambdaPipeline::new(lambda, function));
            Arc::new(ProcessingCatalog::new(images, ImageItems::new(table.clone()), pipeline, clock))
        }
        None => Arc::new(images),
    };
    Ok(Some(ImagePorts { signer: Arc::new(signer), catalog, max_upload_bytes }))
}
