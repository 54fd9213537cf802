//! The author's mood of a message, kept beside the model's label, and the
//! labelled-mood items the export reads (`LABELS#<ulid prefix>`, docs/aws.md).

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use moodchat_protocol::{ApiError, AuthorMood, Message};

use super::{history, is_condition_failure};
use crate::dynamo::attrs::{from_json, n, number, s, text};
use crate::dynamo::{failed, keys, message_item, Table};

/// ULIDs are Crockford base32; their first character is at most '7'.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn mood_value(mood: &AuthorMood) -> AttributeValue {
    from_json(&serde_json::to_value(mood).expect("a mood serializes"))
}

/// Sets or clears the author's mood; false when the room has no such message.
pub async fn set(table: &Table, room_id: &str, message_id: &str, mood: Option<AuthorMood>) -> Result<bool, ApiError> {
    let Some(message) = history::message(table, room_id, message_id).await? else { return Ok(false) };
    let room_key = keys::room(room_id);
    let message_update = Update::builder()
        .table_name(&table.name)
        .key("PK", s(&room_key))
        .key("SK", s(keys::message(message.seq)))
        .condition_expression("attribute_exists(PK)");
    let message_update = match &mood {
        Some(mood) => message_update.update_expression("SET author_mood = :mood").expression_attribute_values(":mood", mood_value(mood)),
        None => message_update.update_expression("REMOVE author_mood"),
    };
    let label = match &mood {
        Some(mood) => TransactWriteItem::builder().put(label_item(table, &message, mood)?).build(),
        None => {
            let delete = Delete::builder()
                .table_name(&table.name)
                .key("PK", s(keys::labels(&message.id)))
                .key("SK", s(keys::label(&message.id)))
                .build()
                .map_err(failed("set mood"))?;
            TransactWriteItem::builder().delete(delete).build()
        }
    };
    table
        .client
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().update(message_update.build().map_err(failed("set mood"))?).build())
        .transact_items(label)
        .send()
        .await
        .map_err(failed("set mood"))?;
    refresh_room_head(table, &room_key, message.seq, mood.as_ref()).await?;
    Ok(true)
}

fn label_item(table: &Table, message: &Message, mood: &AuthorMood) -> Result<Put, ApiError> {
    let mut put = Put::builder()
        .table_name(&table.name)
        .item("PK", s(keys::labels(&message.id)))
        .item("SK", s(keys::label(&message.id)))
        .item("room", s(&message.room))
        .item("seq", n(message.seq))
        .item("text", s(&message.text))
        .item("author_label", s(mood.label.as_str()))
        .item("set_at", n(mood.set_at));
    if let Some(sentiment) = &message.sentiment {
        put = put.item("model_label", s(&sentiment.label));
    }
    put.build().map_err(failed("set mood"))
}

/// The room list shows the newest message: if it is this one, its copy in
/// the room's META changes too (a newer message since: nothing to do).
async fn refresh_room_head(table: &Table, room_key: &str, seq: u64, mood: Option<&AuthorMood>) -> Result<(), ApiError> {
    let update = table
        .client
        .update_item()
        .table_name(&table.name)
        .key("PK", s(room_key))
        .key("SK", s(keys::META))
        .condition_expression("last_seq = :seq")
        .expression_attribute_values(":seq", n(seq));
    let update = match mood {
        Some(mood) => update.update_expression("SET last_message.author_mood = :mood").expression_attribute_values(":mood", mood_value(mood)),
        None => update.update_expression("REMOVE last_message.author_mood"),
    };
    match update.send().await {
        Ok(_) => Ok(()),
        Err(error) if is_condition_failure(&error) => Ok(()),
        Err(error) => Err(failed("set mood")(error)),
    }
}

/// Labelled messages with id > `after`, oldest first: the label partitions
/// in id order, then one batched read of the messages themselves.
pub async fn export(table: &Table, after: Option<&str>, limit: u32) -> Result<Vec<Message>, ApiError> {
    let first_partition = after.map(keys::labels).unwrap_or_default();
    let mut wanted: Vec<(String, String)> = Vec::new();
    'partitions: for partition in partitions().filter(|p| *p >= first_partition) {
        let low = match after {
            Some(after) if partition == first_partition => keys::label(after),
            _ => "MSG#".to_owned(),
        };
        let mut start = None;
        loop {
            let page = table
                .client
                .query()
                .table_name(&table.name)
                .key_condition_expression("PK = :pk AND SK > :low")
                .expression_attribute_values(":pk", s(&partition))
                .expression_attribute_values(":low", s(&low))
                .limit((limit as usize - wanted.len()) as i32)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(failed("export moods"))?;
            for item in page.items() {
                if let (Some(room), Some(seq)) = (text(item, "room"), number::<u64>(item, "seq")) {
                    wanted.push((keys::room(room), keys::message(seq)));
                }
            }
            if wanted.len() >= limit as usize {
                break 'partitions;
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
    }
    let mut messages = table
        .batch_get(wanted)
        .await?
        .iter()
        .map(message_item::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    messages.retain(|m| m.author_mood.is_some());
    messages.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(messages)
}

/// `LABELS#00` … `LABELS#7Z`, in order.
fn partitions() -> impl Iterator<Item = String> {
    CROCKFORD[..8].iter().flat_map(|first| {
        CROCKFORD.iter().map(move |second| format!("LABELS#{}{}", *first as char, *second as char))
    })
}
