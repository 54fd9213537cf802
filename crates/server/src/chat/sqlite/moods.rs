//! The author's moods in SQLite: two nullable columns beside the model's
//! `sentiment_*` ones (which a correction never touches), added by a
//! migration so databases made before corrections existed keep working.

use moodchat_protocol::{AuthorMood, Message, Mood};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{message_from_row, MESSAGE_COLUMNS};

/// Migration 2. The CHECK keeps anything but the three labels out whatever
/// writes to the file; the partial index makes the export read only the
/// corrected messages.
pub const MIGRATION: &str = r#"
ALTER TABLE messages ADD COLUMN author_mood TEXT CHECK (author_mood IN ('positive', 'neutral', 'negative'));
ALTER TABLE messages ADD COLUMN author_mood_at INTEGER;
CREATE INDEX messages_with_author_mood ON messages (id) WHERE author_mood IS NOT NULL;
"#;

/// The author's mood from the columns at `first` and `first + 1`.
pub fn author_mood_from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<Option<AuthorMood>> {
    let label: Option<String> = row.get(first)?;
    let set_at: Option<i64> = row.get(first + 1)?;
    Ok(match (label.as_deref().and_then(Mood::parse), set_at) {
        (Some(label), Some(set_at)) => Some(AuthorMood { label, set_at }),
        _ => None,
    })
}

/// One message of a room.
pub fn message(connection: &Connection, room: &str, id: &str) -> rusqlite::Result<Option<Message>> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1 AND room = ?2");
    connection.prepare_cached(&sql)?.query_row(params![id, room], message_from_row).optional()
}

/// Corrected messages of every room with id > `after` (`""`: all), oldest
/// first, through the partial index.
pub fn author_moods(connection: &Connection, after: &str, limit: u32) -> rusqlite::Result<Vec<Message>> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE author_mood IS NOT NULL AND id > ?1 ORDER BY id LIMIT ?2");
    let mut statement = connection.prepare_cached(&sql)?;
    let rows = statement.query_map(params![after, limit], message_from_row)?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use moodchat_core::{HistorySlice, MessageStore};
    use rusqlite::Connection;

    use super::super::schema::MIGRATIONS;
    use super::super::SqliteStore;
    use super::*;

    /// A database as the code before corrections left it: schema version 1,
    /// a user, and a message the model labelled, written with that
    /// version's columns.
    fn database_of_version_1(path: &std::path::Path) {
        let connection = Connection::open(path).unwrap();
        connection.execute_batch(MIGRATIONS[0]).unwrap();
        connection.pragma_update(None, "user_version", 1).unwrap();
        connection
            .execute_batch(
                "INSERT INTO users VALUES ('sub-a', 'alice', 'alice', NULL, 'alice', 'alice', 1);
                 INSERT INTO members VALUES ('lobby', 'sub-a', 1);
                 INSERT INTO messages (id, room, sender_sub, sender_name, text, image_key, image_url, image_w, image_h,
                     sentiment_label, sentiment_score, sentiment_source, created_at, client_id)
                 VALUES ('01JD5X0ZQ3M1T6P5V7K9W2B4C8', 'lobby', 'sub-a', 'alice', '면접이라 떨려', NULL, NULL, NULL, NULL,
                     'neutral', 0.61, 'local', 1731412345678, 'c-1');",
            )
            .unwrap();
    }

    #[tokio::test]
    async fn a_database_from_before_corrections_is_migrated_and_keeps_its_messages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat.sqlite3");
        database_of_version_1(&path);

        let store = SqliteStore::open(&path).unwrap();
        let id = "01JD5X0ZQ3M1T6P5V7K9W2B4C8";
        let old = store.message("lobby", id).await.unwrap().expect("the old message is still there");
        assert_eq!((old.text.as_str(), old.author_mood), ("면접이라 떨려", None));
        assert_eq!(old.sentiment.as_ref().map(|s| s.label.as_str()), Some("neutral"));

        let mood = AuthorMood { label: Mood::Negative, set_at: 1731412399000 };
        assert!(store.set_author_mood("lobby", id, Some(mood)).await.unwrap());
        assert!(!store.set_author_mood("other", id, Some(mood)).await.unwrap(), "not a message of that room");
        drop(store);

        // Reopened (the migration runs once), the correction is durable.
        let store = SqliteStore::open(&path).unwrap();
        let version: i64 = Connection::open(&path).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
        let history = store.history("lobby", &HistorySlice::Latest, 10).await.unwrap();
        assert_eq!(history[0].author_mood, Some(mood));
        assert_eq!(history[0].sentiment.as_ref().map(|s| s.label.as_str()), Some("neutral"), "the model's label stays");
        let exported = store.author_moods(None, 10).await.unwrap();
        assert_eq!(exported.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), [id]);
        assert!(store.author_moods(Some(id), 10).await.unwrap().is_empty());

        assert!(store.set_author_mood("lobby", id, None).await.unwrap());
        assert_eq!(store.message("lobby", id).await.unwrap().unwrap().author_mood, None);
        assert!(store.author_moods(None, 10).await.unwrap().is_empty());
    }

    #[test]
    fn the_file_refuses_a_label_outside_the_three() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat.sqlite3");
        database_of_version_1(&path);
        drop(SqliteStore::open(&path).unwrap());
        let connection = Connection::open(&path).unwrap();
        let bogus = connection.execute("UPDATE messages SET author_mood = 'ecstatic', author_mood_at = 1", []);
        assert!(bogus.is_err(), "the CHECK constraint holds");
    }
}
