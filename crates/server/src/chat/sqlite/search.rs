//! Search and mood counts in SQLite.
//!
//! Search: an FTS5 table with the trigram tokenizer (SQLite 3.34+; the
//! bundled one is newer), which finds any run of three or more characters
//! inside words, so "회의실" matches "내일회의실에서" without a Korean word
//! splitter. It keeps its own copy of each message's text, its room and its
//! id, with the message's rowid, and triggers fill it in the transaction
//! of the write, so a message is findable once acked, and an edit or a
//! delete (issue 17's other parts) keeps it right. Words shorter than three
//! characters ("회의", "ok") have no trigram: they are matched with LIKE over
//! the index's own text, rooms first (`room` is stored beside the text).

use moodchat_core::MoodCount;
use moodchat_protocol::{Message, Mood};
use rusqlite::{params_from_iter, types::Value, Connection};

use super::rows::{message_columns_of, message_from_row};

/// Migration 4: the index, its triggers, the messages written so far, and
/// an index for counting a room's moods over its last days.
pub const MIGRATION: &str = r#"
CREATE VIRTUAL TABLE message_search USING fts5(
    text, room UNINDEXED, message_id UNINDEXED, tokenize = 'trigram'
);
INSERT INTO message_search (rowid, text, room, message_id)
    SELECT rowid, text, room, id FROM messages WHERE text != '';
CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN new.text != '' BEGIN
    INSERT INTO message_search (rowid, text, room, message_id) VALUES (new.rowid, new.text, new.room, new.id);
END;
CREATE TRIGGER message_search_update AFTER UPDATE OF text ON messages BEGIN
    DELETE FROM message_search WHERE rowid = old.rowid;
    INSERT INTO message_search (rowid, text, room, message_id)
        SELECT new.rowid, new.text, new.room, new.id WHERE new.text != '';
END;
CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_search WHERE rowid = old.rowid;
END;
CREATE INDEX messages_by_room_time ON messages (room, created_at);
"#;

/// Characters a trigram needs.
const TRIGRAM: usize = 3;

/// Messages of `rooms` holding every term (lower case), newest first, older
/// than the message `before`. The rooms go in as a JSON array
/// (`json_each`), so one prepared statement serves any number of them.
pub fn search(
    connection: &Connection,
    rooms: &[String],
    terms: &[String],
    before: Option<&str>,
    limit: u32,
) -> rusqlite::Result<Vec<Message>> {
    let (long, short): (Vec<&String>, Vec<&String>) = terms.iter().partition(|t| t.chars().count() >= TRIGRAM);
    let mut conditions = vec!["s.room IN (SELECT value FROM json_each(?))".to_string()];
    let mut values = vec![Value::Text(serde_json::to_string(rooms).unwrap_or_else(|_| "[]".into()))];
    if !long.is_empty() {
        // Each word a quoted FTS5 string (quotes doubled), all required.
        let phrases: Vec<String> = long.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect();
        conditions.push("message_search MATCH ?".into());
        values.push(Value::Text(phrases.join(" AND ")));
    }
    for term in short {
        conditions.push("s.text LIKE ? ESCAPE '\\'".into());
        values.push(Value::Text(format!("%{}%", escape_like(term))));
    }
    if let Some(before) = before {
        conditions.push("s.rowid < (SELECT rowid FROM messages WHERE id = ?)".into());
        values.push(Value::Text(before.to_string()));
    }
    values.push(Value::Integer(i64::from(limit)));
    let sql = format!(
        "SELECT {} FROM message_search AS s JOIN messages AS m ON m.id = s.message_id \
         WHERE {} ORDER BY s.rowid DESC LIMIT ?",
        message_columns_of("m"),
        conditions.join(" AND ")
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let rows = statement.query_map(params_from_iter(values), message_from_row)?;
    rows.collect()
}

fn escape_like(term: &str) -> String {
    let mut escaped = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Counted where the rows are, through `messages_by_room_time`.
pub fn mood_counts(connection: &Connection, room: &str, since_ms: i64, offset_ms: i64) -> rusqlite::Result<Vec<MoodCount>> {
    let mut statement = connection.prepare_cached(
        "SELECT (created_at + ?3) / 86400000 AS day, coalesce(author_mood, sentiment_label) AS mood, count(*) \
         FROM messages WHERE room = ?1 AND created_at >= ?2 AND coalesce(author_mood, sentiment_label) IS NOT NULL GROUP BY day, mood",
    )?;
    let rows = statement.query_map(rusqlite::params![room, since_ms, offset_ms], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?))
    })?;
    let mut counts = Vec::new();
    for row in rows {
        let (day, label, count) = row?;
        if let Some(mood) = Mood::parse(&label) {
            counts.push(MoodCount { day, mood, count: count.clamp(0, i64::from(u32::MAX)) as u32 });
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use moodchat_core::{MessageStore, SearchIndex};
    use rusqlite::Connection;

    use super::super::schema::MIGRATIONS;
    use super::super::SqliteStore;

    fn terms(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn the_bundled_sqlite_has_fts5_with_the_trigram_tokenizer() {
        let connection = Connection::open_in_memory().unwrap();
        let version: String = connection.query_row("SELECT sqlite_version()", [], |r| r.get(0)).unwrap();
        let parts: Vec<u32> = version.split('.').map(|p| p.parse().unwrap()).collect();
        assert!(parts[0] > 3 || (parts[0] == 3 && parts[1] >= 34), "trigram needs 3.34, bundled {version}");
        connection.execute_batch("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'trigram')").unwrap();
    }

    /// A database as the code before search left it (schema version 3),
    /// with messages: opening it indexes them, and the triggers keep the
    /// index right when a text changes.
    #[tokio::test]
    async fn messages_written_before_the_index_are_indexed_by_the_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat.sqlite3");
        {
            let mut connection = Connection::open(&path).unwrap();
            let transaction = connection.transaction().unwrap();
            for migration in &MIGRATIONS[..3] {
                transaction.execute_batch(migration).unwrap();
            }
            transaction.pragma_update(None, "user_version", 3).unwrap();
            transaction
                .execute_batch(
                    "INSERT INTO messages (id, room, sender_sub, sender_name, text, created_at, client_id, seq)
                     VALUES ('01JD5X0ZQ3M1T6P5V7K9W2B4C8', 'lobby', 'sub-a', 'alice', '내일 회의실에서 봐요', 1, 'c-1', 1),
                            ('01JD5X0ZQ3M1T6P5V7K9W2B4C9', 'lobby', 'sub-a', 'alice', '', 2, 'c-2', 2);",
                )
                .unwrap();
            transaction.commit().unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let lobby = vec!["lobby".to_string()];
        for words in [&["회의"][..], &["회의실"], &["회의실에서", "봐요"]] {
            let found = store.search(&lobby, &terms(words), None, 10).await.unwrap();
            assert_eq!(found.len(), 1, "{words:?}");
            assert_eq!(found[0].text, "내일 회의실에서 봐요");
        }
        assert!(store.search(&["other".to_string()], &terms(&["회의실"]), None, 10).await.unwrap().is_empty());

        // An edit (issue 17) re-indexes through the trigger.
        let connection = Connection::open(&path).unwrap();
        connection.execute("UPDATE messages SET text = '점심 약속 취소' WHERE seq = 1", []).unwrap();
        assert!(store.search(&lobby, &terms(&["회의실"]), None, 10).await.unwrap().is_empty());
        assert_eq!(store.search(&lobby, &terms(&["약속"]), None, 10).await.unwrap().len(), 1);
        assert_eq!(store.history("lobby", &moodchat_core::HistorySlice::Latest, 5).await.unwrap().len(), 2);
    }
}
