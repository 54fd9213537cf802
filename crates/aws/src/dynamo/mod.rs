//! The single table of docs/aws.md ("The table"): its keys, its attribute
//! conversions, and the two adapters written onto it.

pub mod attrs;
pub mod connections;
pub mod images;
pub mod keys;
pub mod message_item;
pub mod rate;
pub mod store;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use moodchat_core::error::internal;
use moodchat_protocol::ApiError;

pub type Item = HashMap<String, AttributeValue>;

/// The table and the client that reaches it.
#[derive(Clone, Debug)]
pub struct Table {
    pub client: aws_sdk_dynamodb::Client,
    pub name: String,
}

impl Table {
    pub fn new(client: aws_sdk_dynamodb::Client, name: impl Into<String>) -> Self {
        Self { client, name: name.into() }
    }

    /// One item by its keys, read consistently (the send and the resume
    /// must see every committed write).
    pub async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, ApiError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.name)
            .key("PK", attrs::s(pk))
            .key("SK", attrs::s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(failed("GetItem"))?;
        Ok(output.item)
    }

    /// Many items by their keys (`BatchGetItem`, 100 per call, unprocessed
    /// keys asked again), in no particular order.
    pub async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>, ApiError> {
        use aws_sdk_dynamodb::types::KeysAndAttributes;
        let mut found = Vec::new();
        for chunk in keys.chunks(100) {
            let mut pending: Vec<Item> = chunk
                .iter()
                .map(|(pk, sk)| HashMap::from([("PK".into(), attrs::s(pk)), ("SK".into(), attrs::s(sk))]))
                .collect();
            pending.dedup();
            let mut attempt = 0u32;
            while !pending.is_empty() {
                let request = KeysAndAttributes::builder().set_keys(Some(pending)).consistent_read(true).build().map_err(failed("BatchGetItem"))?;
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.name, request)
                    .send()
                    .await
                    .map_err(failed("BatchGetItem"))?;
                found.extend(output.responses.and_then(|mut r| r.remove(&self.name)).unwrap_or_default());
                pending = output
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.name))
                    .map(|k| k.keys)
                    .unwrap_or_default();
                attempt += 1;
                if !pending.is_empty() {
                    backoff(attempt).await;
                }
            }
        }
        Ok(found)
    }

    /// Deletes items by their keys (`BatchWriteItem`, 25 per call).
    pub async fn batch_delete(&self, keys: Vec<(String, String)>) -> Result<(), ApiError> {
        use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
        for chunk in keys.chunks(25) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|(pk, sk)| {
                    let delete = DeleteRequest::builder()
                        .key("PK", attrs::s(pk))
                        .key("SK", attrs::s(sk))
                        .build()
                        .expect("both keys are set");
                    WriteRequest::builder().delete_request(delete).build()
                })
                .collect();
            let mut attempt = 0u32;
            while !pending.is_empty() {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.name, pending)
                    .send()
                    .await
                    .map_err(failed("BatchWriteItem"))?;
                pending = output.unprocessed_items.and_then(|mut u| u.remove(&self.name)).unwrap_or_default();
                attempt += 1;
                if !pending.is_empty() {
                    backoff(attempt).await;
                }
            }
        }
        Ok(())
    }
}

/// Maps an SDK failure to the core's `internal` (the detail is logged, the
/// client only learns that a retry is safe).
pub fn failed<E: std::fmt::Debug>(operation: &'static str) -> impl Fn(E) -> ApiError {
    move |error| {
        tracing::error!(operation, ?error, "DynamoDB request failed");
        internal("the store did not answer; try again")
    }
}

/// Exponential backoff with full jitter: up to 5 ms × 2^attempt, at most 250 ms.
pub async fn backoff(attempt: u32) {
    use rand::Rng;
    let ceiling = (5u64 << attempt.min(6)).min(250);
    let pause = rand::thread_rng().gen_range(1..=ceiling);
    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
}
