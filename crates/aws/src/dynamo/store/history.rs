//! History (one `Query` on the room's messages between seq bounds) and a
//! message found by its id (GSI2 `MSGID#<ulid>`).

use moodchat_core::ports::HistorySlice;
use moodchat_protocol::{ApiError, Message};

use crate::dynamo::attrs::{s, text};
use crate::dynamo::{failed, keys, message_item, Table};

/// Messages a consistent read of the newest page looks through when the
/// (eventually consistent) GSI does not know an id yet.
const NEWEST_PAGE: u32 = 100;

pub async fn slice(table: &Table, room_id: &str, slice: &HistorySlice, limit: u32) -> Result<Vec<Message>, ApiError> {
    let (low, high, forward) = match *slice {
        HistorySlice::Latest => (0, u64::MAX, false),
        HistorySlice::Before(seq) if seq <= 1 => return Ok(Vec::new()),
        HistorySlice::Before(seq) => (1, seq - 1, false),
        HistorySlice::After(u64::MAX) => return Ok(Vec::new()),
        HistorySlice::After(seq) => (seq + 1, u64::MAX, true),
    };
    let mut messages = Vec::new();
    let mut start = None;
    while messages.len() < limit as usize {
        let page = table
            .client
            .query()
            .table_name(&table.name)
            .consistent_read(true)
            .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
            .expression_attribute_values(":pk", s(keys::room(room_id)))
            .expression_attribute_values(":low", s(keys::message(low)))
            .expression_attribute_values(":high", s(keys::message(high)))
            .scan_index_forward(forward)
            .limit((limit as usize - messages.len()) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(failed("history"))?;
        for item in page.items.unwrap_or_default() {
            messages.push(message_item::from_item(&item)?);
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    Ok(messages)
}

pub async fn message_seq(table: &Table, room_id: &str, message_id: &str) -> Result<Option<u64>, ApiError> {
    let page = table
        .client
        .query()
        .table_name(&table.name)
        .index_name(keys::GSI_LOOKUPS)
        .key_condition_expression("GSI2PK = :id")
        .expression_attribute_values(":id", s(keys::message_id(message_id)))
        .send()
        .await
        .map_err(failed("message by id"))?;
    let room_key = keys::room(room_id);
    let indexed = page
        .items()
        .iter()
        .filter(|item| text(item, "PK") == Some(room_key.as_str()))
        .find_map(|item| text(item, "SK").and_then(keys::message_seq));
    if indexed.is_some() {
        return Ok(indexed);
    }
    // GSIs are eventually consistent: a message just sent may not be in it yet.
    let newest = slice(table, room_id, &HistorySlice::Latest, NEWEST_PAGE).await?;
    Ok(newest.iter().find(|m| m.id == message_id).map(|m| m.seq))
}

pub async fn message(table: &Table, room_id: &str, message_id: &str) -> Result<Option<Message>, ApiError> {
    let Some(seq) = message_seq(table, room_id, message_id).await? else { return Ok(None) };
    match table.get(&keys::room(room_id), &keys::message(seq)).await? {
        Some(item) => message_item::from_item(&item).map(Some),
        None => Ok(None),
    }
}
