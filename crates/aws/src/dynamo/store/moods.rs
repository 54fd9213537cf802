//! The author's mood of a message, kept beside the model's label, and the
//! labelled-mood items the export reads (`LABELS#<ulid prefix>`, docs/aws.md).

use aws_sdk_dynamodb::types::Put;
use moodchat_protocol::{ApiError, AuthorMood, Message};

use crate::dynamo::attrs::{n, number, s, text};
use crate::dynamo::{failed, keys, message_item, Table};

/// ULIDs are Crockford base32; their first character is at most '7'.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub(super) fn label_item(table: &Table, message: &Message, mood: &AuthorMood) -> Result<Put, ApiError> {
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
