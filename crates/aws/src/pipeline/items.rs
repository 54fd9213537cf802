//! The image item (`IMAGE#<key>` / `META`, docs/aws.md): read, and moved
//! out of `pending` once, by a conditional update. An S3 event and a send
//! naming the image race to process the same upload; whichever update lands
//! first decides, the other reads what it decided.

use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use moodchat_core::error::not_found;
use moodchat_core::BlobKey;
use moodchat_protocol::{ApiError, ErrorCode};

use super::record::{ImageRecord, Ticketed};
use crate::dynamo::images::{image_pk, stored_image, PENDING, READY};
use crate::dynamo::store::is_condition_failure;
use crate::dynamo::{attrs, failed, keys, Item, Table};

/// `status` of an upload the pipeline refused (`dynamo::images` has the
/// other two).
pub const REJECTED: &str = "rejected";

/// Where an image item stands.
#[derive(Clone, Debug, PartialEq)]
pub enum ItemState {
    /// No item, or a pending one past its `expires_at` (DynamoDB deletes
    /// expired items lazily: reads filter them out).
    Absent,
    Pending(Ticketed),
    /// Ready or rejected: nothing left to do but answer it.
    Settled(ImageRecord),
}

/// The stored facts `mark_ready` writes.
#[derive(Clone, Debug)]
pub struct Processed {
    pub content_type: String,
    pub size: u64,
    pub width: u32,
    pub height: u32,
    pub stored_at_ms: i64,
}

#[derive(Clone, Debug)]
pub struct ImageItems {
    table: Table,
}

/// Whether this invocation's update moved the item (and so owns what
/// follows it once: the notice), or found it already moved.
#[derive(Clone, Debug, PartialEq)]
pub enum Marked {
    Won(ImageRecord),
    Lost(ItemState),
}

impl ImageItems {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// The item, read consistently.
    pub async fn state(&self, key: &BlobKey, now_ms: i64) -> Result<ItemState, ApiError> {
        let item = self.table.get(&image_pk(key), keys::META).await?;
        Ok(item.map_or(ItemState::Absent, |item| state_of(key, &item, now_ms)))
    }

    /// `SET status = ready, size, w, h, thumb_key, stored_at REMOVE
    /// expires_at IF status = pending`.
    pub async fn mark_ready(&self, key: &BlobKey, processed: &Processed, now_ms: i64) -> Result<Marked, ApiError> {
        let update = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .key("PK", attrs::s(image_pk(key)))
            .key("SK", attrs::s(keys::META))
            .update_expression(
                "SET #status = :ready, content_type = :type, #size = :size, w = :w, h = :h, thumb_key = :thumb, \
                 stored_at = :at REMOVE expires_at",
            )
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#size", "size")
            .expression_attribute_values(":ready", attrs::s(READY))
            .expression_attribute_values(":pending", attrs::s(PENDING))
            .expression_attribute_values(":type", attrs::s(&processed.content_type))
            .expression_attribute_values(":size", attrs::n(processed.size))
            .expression_attribute_values(":w", attrs::n(processed.width))
            .expression_attribute_values(":h", attrs::n(processed.height))
            .expression_attribute_values(":thumb", attrs::s(key.thumbnail().to_string()))
            .expression_attribute_values(":at", attrs::n(processed.stored_at_ms))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        self.settle(key, update, now_ms).await
    }

    /// `SET status = rejected, reason_code, reason IF status = pending`;
    /// `expires_at` stays, so the item goes away by itself.
    pub async fn mark_rejected(&self, key: &BlobKey, reason: &ApiError, now_ms: i64) -> Result<Marked, ApiError> {
        let code = serde_json::to_value(reason.code).ok().and_then(|v| v.as_str().map(str::to_owned));
        let update = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .key("PK", attrs::s(image_pk(key)))
            .key("SK", attrs::s(keys::META))
            .update_expression("SET #status = :rejected, reason_code = :code, reason = :reason")
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":rejected", attrs::s(REJECTED))
            .expression_attribute_values(":pending", attrs::s(PENDING))
            .expression_attribute_values(":code", attrs::s(code.unwrap_or_else(|| "bad_request".into())))
            .expression_attribute_values(":reason", attrs::s(&reason.message))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        self.settle(key, update, now_ms).await
    }

    async fn settle(
        &self,
        key: &BlobKey,
        update: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
        now_ms: i64,
    ) -> Result<Marked, ApiError> {
        match update.send().await {
            Ok(output) => {
                let item = output.attributes.unwrap_or_default();
                match state_of(key, &item, now_ms) {
                    ItemState::Settled(record) => Ok(Marked::Won(record)),
                    other => {
                        tracing::error!(%key, ?other, "an image item moved out of pending reads back unsettled");
                        Err(moodchat_core::error::internal("the image record is inconsistent"))
                    }
                }
            }
            Err(error) if is_condition_failure(&error) => {
                let old = error.as_service_error().and_then(|e| match e {
                    aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c) => {
                        c.item().cloned()
                    }
                    _ => None,
                });
                Ok(Marked::Lost(old.map_or(ItemState::Absent, |item| state_of(key, &item, now_ms))))
            }
            Err(error) => Err(failed("UpdateItem")(error)),
        }
    }
}

/// The state an item's attributes describe.
pub fn state_of(key: &BlobKey, item: &Item, now_ms: i64) -> ItemState {
    match attrs::text(item, "status") {
        // What the catalog reads as the stored image is what is answered.
        Some(READY) => match stored_image(key, item, now_ms.div_euclid(1000)) {
            Some(image) => ItemState::Settled(ImageRecord::Ready(image)),
            None => {
                tracing::error!(%key, "a ready image item without its dimensions or uploader");
                ItemState::Absent
            }
        },
        Some(REJECTED) => {
            let code = attrs::text(item, "reason_code")
                .and_then(|code| serde_json::from_value(serde_json::Value::from(code)).ok())
                .unwrap_or(ErrorCode::BadRequest);
            let message = attrs::text(item, "reason").unwrap_or("the upload was refused").to_owned();
            ItemState::Settled(ImageRecord::Rejected { key: key.clone(), reason: ApiError::new(code, message) })
        }
        Some(PENDING) => {
            let expired = attrs::number::<i64>(item, "expires_at").is_some_and(|at| at * 1000 <= now_ms);
            if expired {
                ItemState::Absent
            } else {
                ItemState::Pending(Ticketed { size: attrs::number(item, "size") })
            }
        }
        _ => ItemState::Absent,
    }
}

/// The answer for an upload no ticket (or only an expired one) stands for.
pub fn no_ticket(key: &BlobKey) -> ImageRecord {
    ImageRecord::Rejected {
        key: key.clone(),
        reason: not_found("no upload ticket stands for this image (or it expired)"),
    }
}
