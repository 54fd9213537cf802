//! A message as table attributes (docs/aws.md: the message item, and the
//! room's `last_message` map), and back.

use moodchat_core::error::internal;
use moodchat_protocol::{ApiError, Message, Quote, UserRef};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::attrs::{from_json, n, number, s, text, to_json};
use super::keys;
use super::Item;

fn nested<T: Serialize>(value: &T) -> aws_sdk_dynamodb::types::AttributeValue {
    from_json(&serde_json::to_value(value).expect("protocol types serialize"))
}

fn read_nested<T: DeserializeOwned>(item: &Item, name: &str) -> Result<Option<T>, ApiError> {
    let Some(value) = item.get(name) else { return Ok(None) };
    serde_json::from_value(to_json(value)).map(Some).map_err(|error| corrupt(name, error))
}

fn corrupt(field: &str, error: impl std::fmt::Display) -> ApiError {
    tracing::error!(field, %error, "a stored message cannot be read");
    internal("a stored message cannot be read")
}

/// The message's item as stored: its attributes (`to_item`) under its keys,
/// the room's partition at its seq, and the by-id index (GSI2).
pub fn with_keys(mut fields: Item, message: &Message) -> Item {
    fields.insert("PK".into(), s(keys::room(&message.room)));
    fields.insert("SK".into(), s(keys::message(message.seq)));
    fields.insert("GSI2PK".into(), s(keys::message_id(&message.id)));
    fields.insert("GSI2SK".into(), s("MSG"));
    fields
}

/// The message's own attributes (no keys).
pub fn to_item(message: &Message) -> Item {
    let mut item = Item::from([
        ("id".into(), s(&message.id)),
        ("room".into(), s(&message.room)),
        ("seq".into(), n(message.seq)),
        ("sender_sub".into(), s(&message.sender.sub)),
        ("sender_name".into(), s(&message.sender.name)),
        ("text".into(), s(&message.text)),
        ("created_at".into(), n(message.created_at)),
        ("client_id".into(), s(&message.client_id)),
    ]);
    if let Some(image) = &message.image {
        item.insert("image".into(), nested(image));
    }
    if let Some(sentiment) = &message.sentiment {
        item.insert("sentiment".into(), nested(sentiment));
    }
    if let Some(mood) = &message.author_mood {
        item.insert("author_mood".into(), nested(mood));
    }
    if let Some(at) = message.edited_at {
        item.insert("edited_at".into(), n(at));
    }
    if let Some(at) = message.deleted_at {
        item.insert("deleted_at".into(), n(at));
    }
    if message.change > 0 {
        item.insert("change".into(), n(message.change));
    }
    if !message.reactions.is_empty() {
        item.insert("reactions".into(), nested(&message.reactions));
    }
    // Only the original's id: its quote is made when the reply is read.
    if let Some(quote) = &message.reply_to {
        item.insert("reply_to".into(), s(&quote.id));
    }
    item
}

pub fn from_item(item: &Item) -> Result<Message, ApiError> {
    let field = |name: &str| text(item, name).map(str::to_owned).ok_or_else(|| corrupt(name, "missing"));
    Ok(Message {
        id: field("id")?,
        room: field("room")?,
        seq: number(item, "seq").ok_or_else(|| corrupt("seq", "missing"))?,
        sender: UserRef { sub: field("sender_sub")?, name: field("sender_name")? },
        text: field("text")?,
        image: read_nested(item, "image")?,
        sentiment: read_nested(item, "sentiment")?,
        author_mood: read_nested(item, "author_mood")?,
        created_at: number(item, "created_at").ok_or_else(|| corrupt("created_at", "missing"))?,
        client_id: field("client_id")?,
        edited_at: number(item, "edited_at"),
        deleted_at: number(item, "deleted_at"),
        change: number(item, "change").unwrap_or(0),
        reactions: read_nested(item, "reactions")?.unwrap_or_default(),
        reply_to: text(item, "reply_to").map(|id| Quote { id: id.to_owned(), ..Quote::default() }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use moodchat_protocol::{AuthorMood, Mood, Sentiment};

    #[test]
    fn a_message_round_trips() {
        let message = Message {
            id: "01JABCDEFGHJKMNPQRSTVWXYZ0".into(),
            room: "lobby".into(),
            seq: 42,
            sender: UserRef { sub: "sub-a".into(), name: "Ada".into() },
            text: "héllo".into(),
            image: None,
            sentiment: Some(Sentiment { label: "positive".into(), score: 0.8125, source: "server".into() }),
            author_mood: Some(AuthorMood { label: Mood::Negative, set_at: 7 }),
            created_at: 1_700_000_000_000,
            client_id: "c1".into(),
            edited_at: Some(8),
            deleted_at: None,
            change: 3,
            reactions: vec![moodchat_protocol::Reaction { emoji: "👍".into(), users: vec![UserRef { sub: "sub-b".into(), name: "Bo".into() }] }],
            reply_to: Some(Quote { id: "01JABCDEFGHJKMNPQRSTVWXYZ1".into(), ..Quote::default() }),
        };
        assert_eq!(from_item(&to_item(&message)).unwrap(), message);
        let mut broken = to_item(&message);
        broken.remove("seq");
        assert!(from_item(&broken).is_err(), "a missing field is an error, not a default");
    }
}
