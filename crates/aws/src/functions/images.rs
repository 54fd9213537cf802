//! The image ports of a function: S3 presigning and the table's image
//! items, when the function is given the bucket (`MOODCHAT_BUCKET_NAME`);
//! without it messages carry no images (`unavailable`), as on an embedded
//! server without image storage.

use std::sync::Arc;

use moodchat_core::ports::SystemClock;
use moodchat_core::ImagePorts;
use moodchat_protocol::limits::MAX_UPLOAD_BYTES;

use crate::dynamo::images::DynamoImages;
use crate::s3::S3Signer;
use crate::sdk::Environment;
use crate::Table;

/// From `MOODCHAT_BUCKET_NAME`, `MOODCHAT_MAX_UPLOAD_BYTES` (the protocol's
/// limit when unset) and `AWS_ENDPOINT_URL_S3` (moto, locally).
pub fn ports_from_env(environment: &Environment, table: &Table) -> Result<Option<ImagePorts>, lambda_runtime::Error> {
    let Some(bucket) = std::env::var("MOODCHAT_BUCKET_NAME").ok().filter(|b| !b.is_empty()) else { return Ok(None) };
    let max_upload_bytes = match std::env::var("MOODCHAT_MAX_UPLOAD_BYTES") {
        Ok(value) => value.parse().map_err(|_| format!("MOODCHAT_MAX_UPLOAD_BYTES is not a number: {value:?}"))?,
        Err(_) => MAX_UPLOAD_BYTES,
    };
    let clock = Arc::new(SystemClock);
    let s3 = environment.s3(Environment::endpoint_override("S3").as_deref());
    let catalog = DynamoImages::new(table.clone(), clock.clone()).with_objects(s3.clone(), bucket.clone());
    let signer = S3Signer::new(s3, bucket, catalog.clone(), clock);
    Ok(Some(ImagePorts { signer: Arc::new(signer), catalog: Arc::new(catalog), max_upload_bytes }))
}
