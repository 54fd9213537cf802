//! The send (docs/aws.md, "send"): read the room's `last_seq` = n, then one
//! `TransactWriteItems` that moves it to n+1 only if it is still n, puts
//! message n+1 and the idempotency item (both only if new) and moves the
//! sender's read marker (only for a member). Message n+1 is written only by
//! the transaction that moves `last_seq` from n to n+1: seqs are gap-free
//! with any number of writers, and a reader that sees seq N sees every seq
//! below it.

use aws_sdk_dynamodb::types::{Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use moodchat_core::error::{forbidden, internal, not_found, unavailable};
use moodchat_core::ports::Appended;
use moodchat_protocol::{ApiError, Message};

use crate::dynamo::attrs::{n, number, s};
use crate::dynamo::{backoff, failed, keys, message_item, Table};

/// Attempts before a send under heavy contention gives up (`unavailable`:
/// the client retries with the same client_id, which is safe).
const MAX_ATTEMPTS: u32 = 60;

/// The transaction's items, in this order (cancellation reasons follow it).
const ROOM: usize = 0;
const IDEMPOTENCY: usize = 2;
const MARKER: usize = 3;

pub async fn append(table: &Table, draft: &Message) -> Result<Appended, ApiError> {
    let room_key = keys::room(&draft.room);
    for attempt in 0..MAX_ATTEMPTS {
        let meta = table.get(&room_key, keys::META).await?.ok_or_else(|| not_found(format!("no room {:?}", draft.room)))?;
        let last: u64 = number(&meta, "last_seq").unwrap_or(0);
        let message = Message { seq: last + 1, ..draft.clone() };
        let outcome = table.client.transact_write_items().set_transact_items(Some(items(table, &message, last)?)).send().await;
        let error = match outcome {
            Ok(_) => return Ok(Appended::New(message)),
            Err(error) => error,
        };
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
        let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = error.as_service_error() else {
            return Err(failed("send")(error));
        };
        let reasons = cancelled.cancellation_reasons();
        let condition_failed = |index: usize| reasons.get(index).and_then(|r| r.code()) == Some("ConditionalCheckFailed");
        if condition_failed(IDEMPOTENCY) {
            // A retry of a send that was stored: answer the original.
            let original = reasons[IDEMPOTENCY].item().and_then(|item| number::<u64>(item, "seq"));
            let seq = original.ok_or_else(|| internal("an idempotency item without its seq"))?;
            let item = table.get(&room_key, &keys::message(seq)).await?.ok_or_else(|| internal("an idempotency item without its message"))?;
            return Ok(Appended::Existing(message_item::from_item(&item)?));
        }
        if condition_failed(MARKER) && !condition_failed(ROOM) {
            return Err(forbidden("join the room first"));
        }
        // Another send took n+1 (or a TransactionConflict): read again.
        tracing::debug!(room = %draft.room, attempt, "send lost the race for its seq; retrying");
        backoff(attempt.min(4)).await;
    }
    Err(unavailable("the room is too busy right now; try again"))
}

fn items(table: &Table, message: &Message, last: u64) -> Result<Vec<TransactWriteItem>, ApiError> {
    let room_key = keys::room(&message.room);
    let fields = message_item::to_item(message);
    let room = Update::builder()
        .table_name(&table.name)
        .key("PK", s(&room_key))
        .key("SK", s(keys::META))
        .update_expression("SET last_seq = :next, last_message = :message")
        .condition_expression("last_seq = :last")
        .expression_attribute_values(":next", n(message.seq))
        .expression_attribute_values(":last", n(last))
        .expression_attribute_values(":message", aws_sdk_dynamodb::types::AttributeValue::M(fields.clone()))
        .build()
        .map_err(failed("send"))?;
    let message_put = Put::builder()
        .table_name(&table.name)
        .set_item(Some(message_item::with_keys(fields, message)))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(failed("send"))?;
    let idempotency = Put::builder()
        .table_name(&table.name)
        .item("PK", s(&room_key))
        .item("SK", s(keys::idempotency(&message.sender.sub, &message.client_id)))
        .item("seq", n(message.seq))
        .item("id", s(&message.id))
        .condition_expression("attribute_not_exists(PK)")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(failed("send"))?;
    let marker = Update::builder()
        .table_name(&table.name)
        .key("PK", s(&room_key))
        .key("SK", s(keys::member(&message.sender.sub)))
        .update_expression("SET last_read_seq = :next")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":next", n(message.seq))
        .build()
        .map_err(failed("send"))?;
    Ok(vec![
        TransactWriteItem::builder().update(room).build(),
        TransactWriteItem::builder().put(message_put).build(),
        TransactWriteItem::builder().put(idempotency).build(),
        TransactWriteItem::builder().update(marker).build(),
    ])
}
