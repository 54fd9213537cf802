//! Changes to messages on DynamoDB (docs/aws.md, "changes"): read the room's
//! `change_seq` = c and the message, then one `TransactWriteItems` that
//! moves `change_seq` to c+1 only if it is still c, writes the changed
//! message only if it was not unsent, appends the change to the room's
//! change log (`CHG#<c+1>`), and puts or deletes the message's labelled-mood
//! item (which holds a copy of the text). Numbers are gap-free with any
//! number of writers, as seqs are; "what changed since N" is one
//! strongly consistent `Query` on the room's log, never a scan.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use moodchat_core::error::unavailable;
use moodchat_core::{Changed, MessageChange};
use moodchat_protocol::{ApiError, Message};

use super::{history, moods};
use crate::dynamo::attrs::{n, number, s, text};
use crate::dynamo::{backoff, failed, keys, message_item, Table};

const MAX_ATTEMPTS: u32 = 60;
/// The transaction's items, in this order (cancellation reasons follow it).
const MESSAGE: usize = 1;
/// Log entries read per page of `changed_since`.
const LOG_PAGE: i32 = 100;

pub async fn change(table: &Table, room_id: &str, message_id: &str, change: &MessageChange) -> Result<Changed, ApiError> {
    let room_key = keys::room(room_id);
    for attempt in 0..MAX_ATTEMPTS {
        let Some(mut message) = history::message(table, room_id, message_id).await? else {
            return Ok(Changed::Missing);
        };
        if message.deleted_at.is_some() {
            return Ok(Changed::AlreadyUnsent(message));
        }
        let Some(meta) = table.get(&room_key, keys::META).await? else { return Ok(Changed::Missing) };
        let last: u64 = number(&meta, "change_seq").unwrap_or(0);
        let head_seq: u64 = number(&meta, "last_seq").unwrap_or(0);
        change.apply(&mut message);
        message.change = last + 1;
        let items = items(table, &message, change, last, head_seq)?;
        let error = match table.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => return Ok(Changed::Applied(message)),
            Err(error) => error,
        };
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
        let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = error.as_service_error() else {
            return Err(failed("change message")(error));
        };
        let reasons = cancelled.cancellation_reasons();
        if reasons.get(MESSAGE).and_then(|r| r.code()) == Some("ConditionalCheckFailed") {
            // Unsent meanwhile: the next read says so.
            tracing::debug!(room = %room_id, "the message was unsent during a change");
        }
        // Another change took c+1, a send moved the head, or a conflict: read again.
        backoff(attempt.min(4)).await;
    }
    Err(unavailable("the room is too busy right now; try again"))
}

fn items(
    table: &Table,
    message: &Message,
    change: &MessageChange,
    last: u64,
    head_seq: u64,
) -> Result<Vec<TransactWriteItem>, ApiError> {
    let room_key = keys::room(&message.room);
    let fields = message_item::to_item(message);
    // The room list shows a copy of the newest message: it changes too.
    let is_head = head_seq == message.seq;
    let counter = if last == 0 { "(attribute_not_exists(change_seq) OR change_seq = :last)" } else { "change_seq = :last" };
    let mut room = Update::builder()
        .table_name(&table.name)
        .key("PK", s(&room_key))
        .key("SK", s(keys::META))
        .expression_attribute_values(":next", n(message.change))
        .expression_attribute_values(":last", n(last));
    room = if is_head {
        room.update_expression("SET change_seq = :next, last_message = :message")
            .condition_expression(format!("{counter} AND last_seq = :seq"))
            .expression_attribute_values(":message", AttributeValue::M(fields.clone()))
            .expression_attribute_values(":seq", n(message.seq))
    } else {
        room.update_expression("SET change_seq = :next").condition_expression(counter)
    };
    let message_put = Put::builder()
        .table_name(&table.name)
        .set_item(Some(message_item::with_keys(fields, message)))
        .condition_expression("attribute_exists(PK) AND attribute_not_exists(deleted_at)")
        .build()
        .map_err(failed("change message"))?;
    let log = Put::builder()
        .table_name(&table.name)
        .item("PK", s(&room_key))
        .item("SK", s(keys::change(message.change)))
        .item("seq", n(message.seq))
        .build()
        .map_err(failed("change message"))?;
    let label = match change {
        MessageChange::AuthorMood(Some(mood)) => {
            TransactWriteItem::builder().put(moods::label_item(table, message, mood)?).build()
        }
        // A reaction leaves the text and the correction as they were: the
        // labelled copy stays.
        MessageChange::React { .. } => {
            return Ok(vec![
                TransactWriteItem::builder().update(room.build().map_err(failed("change message"))?).build(),
                TransactWriteItem::builder().put(message_put).build(),
                TransactWriteItem::builder().put(log).build(),
            ]);
        }
        // An edit drops the correction, an unsend the text: no copy stays.
        _ => {
            let delete = Delete::builder()
                .table_name(&table.name)
                .key("PK", s(keys::labels(&message.id)))
                .key("SK", s(keys::label(&message.id)))
                .build()
                .map_err(failed("change message"))?;
            TransactWriteItem::builder().delete(delete).build()
        }
    };
    Ok(vec![
        TransactWriteItem::builder().update(room.build().map_err(failed("change message"))?).build(),
        TransactWriteItem::builder().put(message_put).build(),
        TransactWriteItem::builder().put(log).build(),
        label,
    ])
}

/// The room's log after `after`, page by page; each entry names a message
/// by seq, kept only at its latest change (an older entry of a message
/// changed again is skipped: it comes at its later one).
pub async fn changed_since(table: &Table, room_id: &str, after: u64, limit: u32) -> Result<Vec<Message>, ApiError> {
    let room_key = keys::room(room_id);
    let mut changed = Vec::new();
    let mut start = None;
    loop {
        let page = table
            .client
            .query()
            .table_name(&table.name)
            .consistent_read(true)
            .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
            .expression_attribute_values(":pk", s(&room_key))
            .expression_attribute_values(":low", s(keys::change(after.saturating_add(1))))
            .expression_attribute_values(":high", s(keys::change(u64::MAX)))
            .limit(LOG_PAGE)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(failed("changes"))?;
        let entries: Vec<(u64, u64)> = page
            .items()
            .iter()
            .filter_map(|item| Some((text(item, "SK").and_then(keys::change_number)?, number::<u64>(item, "seq")?)))
            .collect();
        let mut wanted: Vec<(String, String)> = entries.iter().map(|(_, seq)| (room_key.clone(), keys::message(*seq))).collect();
        wanted.sort();
        wanted.dedup();
        let mut messages = table
            .batch_get(wanted)
            .await?
            .iter()
            .map(message_item::from_item)
            .collect::<Result<Vec<_>, _>>()?;
        messages.retain(|m| entries.iter().any(|(number, _)| *number == m.change));
        messages.sort_by_key(|m| m.change);
        for message in messages {
            if changed.len() == limit as usize {
                return Ok(changed);
            }
            changed.push(message);
        }
        start = page.last_evaluated_key;
        if start.is_none() || changed.len() == limit as usize {
            return Ok(changed);
        }
    }
}

pub async fn change_number(table: &Table, room_id: &str) -> Result<u64, ApiError> {
    let meta = table.get(&keys::room(room_id), keys::META).await?;
    Ok(meta.and_then(|meta| number(&meta, "change_seq")).unwrap_or(0))
}
