//! Changes to messages in SQLite (docs/protocol.md, "Changes"): each
//! message keeps the number of its latest change, the room keeps its
//! latest number, and a partial index over (room, change_seq) answers
//! "what changed since N" without reading the room's other messages.

use moodchat_core::{Changed, MessageChange};
use moodchat_protocol::{Message, Reaction};
use rusqlite::types::Type;
use rusqlite::{params, Connection, Row, TransactionBehavior};

use super::moods;
use super::rows::{message_from_row, seq_at, sql_seq, MESSAGE_COLUMNS};

/// Migration 5 (issue 17's edits and unsends). Numbers start at 0 for every
/// existing room and message: nothing has changed yet.
pub const MIGRATION: &str = r#"
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;
ALTER TABLE messages ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_by_change ON messages (room, change_seq) WHERE change_seq > 0;
-- An unsent text leaves the search index for good, not only its matches.
INSERT INTO message_search (message_search, rank) VALUES ('secure-delete', 1);
"#;

/// Migration 6 (issue 17's reactions): a message's reactions as the JSON
/// array the protocol carries (`Message::reactions`), NULL when none. Kept
/// on the row, so every read of a message has them without a join, and a
/// reaction is a change like any other (read, apply, write back).
pub const REACTIONS_MIGRATION: &str = r#"
ALTER TABLE messages ADD COLUMN reactions TEXT;
"#;

pub fn reactions_to_sql(reactions: &[Reaction]) -> Option<String> {
    (!reactions.is_empty()).then(|| serde_json::to_string(reactions).expect("reactions serialize"))
}

pub fn reactions_from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<Vec<Reaction>> {
    let Some(json) = row.get::<_, Option<String>>(at)? else { return Ok(Vec::new()) };
    serde_json::from_str(&json).map_err(|error| rusqlite::Error::FromSqlConversionFailure(at, Type::Text, Box::new(error)))
}

/// Reads, changes and writes back the message in one immediate
/// transaction (the write lock is held from the read on, whatever other
/// process shares the file), taking the room's next change number.
pub fn change_message(
    connection: &mut Connection,
    room: &str,
    id: &str,
    change: &MessageChange,
) -> rusqlite::Result<Changed> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(mut message) = moods::message(&transaction, room, id)? else {
        return Ok(Changed::Missing);
    };
    if message.deleted_at.is_some() {
        return Ok(Changed::AlreadyUnsent(message));
    }
    change.apply(&mut message);
    message.change = transaction
        .prepare_cached("UPDATE rooms SET change_seq = change_seq + 1 WHERE id = ?1 RETURNING change_seq")?
        .query_row(params![room], |row| seq_at(row, 0))?;
    write_back(&transaction, &message)?;
    transaction.commit()?;
    Ok(Changed::Applied(message))
}

/// Every column a change may touch; an unsend nulls the image and moods
/// and empties the text (the search index's triggers follow the text).
fn write_back(connection: &Connection, message: &Message) -> rusqlite::Result<()> {
    let image = message.image.as_ref();
    let sentiment = message.sentiment.as_ref();
    connection
        .prepare_cached(
            "UPDATE messages SET text = ?3, image_key = ?4, image_url = ?5, image_w = ?6, image_h = ?7, \
             sentiment_label = ?8, sentiment_score = ?9, sentiment_source = ?10, author_mood = ?11, \
             author_mood_at = ?12, edited_at = ?13, deleted_at = ?14, change_seq = ?15, reactions = ?16 \
             WHERE id = ?1 AND room = ?2",
        )?
        .execute(params![
            message.id,
            message.room,
            message.text,
            image.map(|i| &i.key),
            image.map(|i| &i.url),
            image.and_then(|i| i.w),
            image.and_then(|i| i.h),
            sentiment.map(|s| &s.label),
            sentiment.map(|s| f64::from(s.score)),
            sentiment.map(|s| &s.source),
            message.author_mood.map(|m| m.label.as_str()),
            message.author_mood.map(|m| m.set_at),
            message.edited_at,
            message.deleted_at,
            sql_seq(message.change),
            reactions_to_sql(&message.reactions),
        ])?;
    Ok(())
}

/// Messages of the room changed after `after`, through the partial index.
pub fn changed_since(connection: &Connection, room: &str, after: u64, limit: u32) -> rusqlite::Result<Vec<Message>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE room = ?1 AND change_seq > 0 AND change_seq > ?2 ORDER BY change_seq LIMIT ?3"
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let rows = statement.query_map(params![room, sql_seq(after).max(0), limit], message_from_row)?;
    rows.collect()
}

pub fn change_number(connection: &Connection, room: &str) -> rusqlite::Result<u64> {
    use rusqlite::OptionalExtension;
    let number = connection
        .prepare_cached("SELECT change_seq FROM rooms WHERE id = ?1")?
        .query_row(params![room], |row| seq_at(row, 0))
        .optional()?;
    Ok(number.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_changed_is_read_through_the_partial_index() {
        let mut connection = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut connection).unwrap();
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT {MESSAGE_COLUMNS} FROM messages WHERE room = ?1 AND change_seq > 0 AND change_seq > ?2 ORDER BY change_seq LIMIT ?3"
        );
        let plan: Vec<String> = connection
            .prepare(&sql)
            .unwrap()
            .query_map(params!["lobby", 1, 10], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(plan.iter().any(|step| step.contains("messages_by_change")), "{plan:?}");
        assert!(!plan.iter().any(|step| step.contains("TEMP B-TREE")), "no sort: {plan:?}");
    }
}
