//! The embedded `MessageStore`: one SQLite file in WAL mode. All writes go
//! through one connection (SQLite has one writer anyway, and it keeps commits
//! in the order ChatService issues them); reads use a few more connections so
//! history and room lists do not queue behind writes. Blocking calls run on
//! tokio's blocking pool.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use moodchat_core::error::internal;
use moodchat_core::{Appended, Changed, HistorySlice, Identity, MessageChange, MessageStore, MoodCount, RoomListing, SearchIndex};
use moodchat_protocol::{ApiError, Message, Room, UserRef};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use rows::{insert_member, insert_message, kind_to_sql, message_from_row, room_from_row, seq_at, sql_seq, MESSAGE_COLUMNS};

mod changes;
mod moods;
mod replies;
mod rows;
mod schema;
mod search;
#[cfg(test)]
mod tests;

const READERS: usize = 4;

pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    readers: Vec<Arc<Mutex<Connection>>>,
    next_reader: AtomicUsize,
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        schema::migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open(path)?;
                configure(&reader)?;
                Ok(Arc::new(Mutex::new(reader)))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self { writer: Arc::new(Mutex::new(writer)), readers, next_reader: AtomicUsize::new(0) })
    }

    async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        run_blocking(self.writer.clone(), work).await
    }

    async fn read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let index = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        run_blocking(self.readers[index].clone(), work).await
    }
}

async fn run_blocking<T, F>(connection: Arc<Mutex<Connection>>, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
{
    let outcome = tokio::task::spawn_blocking(move || {
        let mut connection = connection.lock().unwrap_or_else(|p| p.into_inner());
        work(&mut connection)
    })
    .await;
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            tracing::error!(%error, "SQLite operation failed");
            Err(internal("storage error"))
        }
        Err(error) => {
            tracing::error!(%error, "SQLite task failed");
            Err(internal("storage error"))
        }
    }
}

fn configure(connection: &Connection) -> rusqlite::Result<()> {
    // WAL: readers never block the writer. synchronous=NORMAL: a commit
    // survives a crash or restart of the process (what "acked" promises);
    // only an OS crash or power loss can drop the last transactions.
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    // An unsent message's text is overwritten on disk, not left in a free
    // page for anyone reading the file.
    connection.pragma_update(None, "secure_delete", "ON")?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    connection.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// `LIKE` pattern for "starts with", with the wildcards in `prefix` escaped.
fn prefix_pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[async_trait]
impl MessageStore for SqliteStore {
    async fn upsert_user(&self, user: &Identity, now_ms: i64) -> Result<(), ApiError> {
        let user = user.clone();
        self.write(move |connection| {
            connection
                .prepare_cached(
                    "INSERT INTO users (sub, username, name, email, username_lc, name_lc, created_at) \
                     VALUES (?1, ?2, ?3, ?4, lower(?2), lower(?3), ?5) \
                     ON CONFLICT (sub) DO UPDATE SET username = excluded.username, name = excluded.name, \
                     email = excluded.email, username_lc = excluded.username_lc, name_lc = excluded.name_lc",
                )?
                .execute(params![user.sub, user.username, user.name, user.email, now_ms])?;
            Ok(())
        })
        .await
    }

    async fn find_user(&self, sub_or_username: &str) -> Result<Option<UserRef>, ApiError> {
        let key = sub_or_username.to_string();
        self.read(move |connection| {
            connection
                .prepare_cached(
                    "SELECT sub, name FROM users WHERE sub = ?1 \
                     UNION ALL SELECT sub, name FROM users WHERE username_lc = lower(?1) LIMIT 1",
                )?
                .query_row(params![key], |row| Ok(UserRef { sub: row.get(0)?, name: row.get(1)? }))
                .optional()
        })
        .await
    }

    async fn search_users(&self, prefix: &str, exclude_sub: &str, limit: u32) -> Result<Vec<UserRef>, ApiError> {
        let (pattern, exclude) = (prefix_pattern(prefix), exclude_sub.to_string());
        self.read(move |connection| {
            let mut statement = connection.prepare_cached(
                "SELECT sub, name FROM users WHERE sub != ?2 \
                 AND (username_lc LIKE ?1 ESCAPE '\\' OR name_lc LIKE ?1 ESCAPE '\\') ORDER BY username_lc LIMIT ?3",
            )?;
            let rows = statement.query_map(params![pattern, exclude, limit], |row| {
                Ok(UserRef { sub: row.get(0)?, name: row.get(1)? })
            })?;
            rows.collect()
        })
        .await
    }

    async fn create_room(&self, room: &Room, creator: &str, now_ms: i64) -> Result<(), ApiError> {
        let (room, creator) = (room.clone(), creator.to_string());
        self.write(move |connection| {
            let transaction = connection.transaction()?;
            transaction
                .prepare_cached("INSERT INTO rooms (id, name, kind, created_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![room.id, room.name, kind_to_sql(room.kind), now_ms])?;
            insert_member(&transaction, &room.id, &creator, now_ms)?;
            transaction.commit()
        })
        .await
    }

    async fn room(&self, room_id: &str) -> Result<Option<Room>, ApiError> {
        let id = room_id.to_string();
        self.read(move |connection| {
            connection
                .prepare_cached("SELECT id, name, kind FROM rooms WHERE id = ?1")?
                .query_row(params![id], room_from_row)
                .optional()
        })
        .await
    }

    async fn find_or_create_direct(
        &self,
        direct_key: &str,
        candidate: &Room,
        members: [&str; 2],
        now_ms: i64,
    ) -> Result<Room, ApiError> {
        let (key, candidate) = (direct_key.to_string(), candidate.clone());
        let members = members.map(str::to_string);
        self.write(move |connection| {
            let transaction = connection.transaction()?;
            let created = transaction
                .prepare_cached(
                    "INSERT OR IGNORE INTO rooms (id, name, kind, direct_key, created_at) VALUES (?1, ?2, 'direct', ?3, ?4)",
                )?
                .execute(params![candidate.id, candidate.name, key, now_ms])?;
            if created > 0 {
                for member in &members {
                    insert_member(&transaction, &candidate.id, member, now_ms)?;
                }
            }
            let room = transaction
                .prepare_cached("SELECT id, name, kind FROM rooms WHERE direct_key = ?1")?
                .query_row(params![key], room_from_row)?;
            transaction.commit()?;
            Ok(room)
        })
        .await
    }

    async fn add_member(&self, room_id: &str, sub: &str, now_ms: i64) -> Result<(), ApiError> {
        let (room, sub) = (room_id.to_string(), sub.to_string());
        self.write(move |connection| {
            let transaction = connection.transaction()?;
            insert_member(&transaction, &room, &sub, now_ms)?;
            transaction.commit()
        })
        .await
    }

    async fn remove_member(&self, room_id: &str, sub: &str) -> Result<bool, ApiError> {
        let (room, sub) = (room_id.to_string(), sub.to_string());
        self.write(move |connection| {
            connection.prepare_cached("DELETE FROM members WHERE room = ?1 AND sub = ?2")?.execute(params![room, sub]).map(|removed| removed > 0)
        })
        .await
    }

    async fn set_muted(&self, room_id: &str, sub: &str, muted: bool) -> Result<bool, ApiError> {
        let (room, sub) = (room_id.to_string(), sub.to_string());
        self.write(move |connection| {
            let matched = connection
                .prepare_cached("UPDATE members SET muted = ?3 WHERE room = ?1 AND sub = ?2")?
                .execute(params![room, sub, muted])?;
            Ok(matched > 0)
        })
        .await
    }

    async fn is_member(&self, room_id: &str, sub: &str) -> Result<bool, ApiError> {
        let (room, sub) = (room_id.to_string(), sub.to_string());
        self.read(move |connection| {
            connection
                .prepare_cached("SELECT 1 FROM members WHERE room = ?1 AND sub = ?2")?
                .query_row(params![room, sub], |_| Ok(()))
                .optional()
                .map(|found| found.is_some())
        })
        .await
    }

    async fn members(&self, room_id: &str) -> Result<Vec<UserRef>, ApiError> {
        let room = room_id.to_string();
        self.read(move |connection| {
            let mut statement = connection.prepare_cached(
                "SELECT u.sub, u.name FROM members m JOIN users u ON u.sub = m.sub WHERE m.room = ?1 ORDER BY u.name_lc",
            )?;
            let rows = statement.query_map(params![room], |row| Ok(UserRef { sub: row.get(0)?, name: row.get(1)? }))?;
            rows.collect()
        })
        .await
    }

    async fn room_listings(&self, sub: &str, discover: bool) -> Result<Vec<RoomListing>, ApiError> {
        let sub = sub.to_string();
        self.read(move |connection| rows::room_listings(connection, &sub, discover)).await
    }

    async fn append(&self, message: &Message) -> Result<Appended, ApiError> {
        let mut outcomes = self.append_batch(std::slice::from_ref(message)).await?;
        Ok(outcomes.remove(0))
    }

    /// One transaction for the whole batch: under load many messages share
    /// one commit. Nothing is acked before the commit returns.
    async fn append_batch(&self, messages: &[Message]) -> Result<Vec<Appended>, ApiError> {
        let messages = messages.to_vec();
        self.write(move |connection| {
            // Immediate: take the write lock before reading the room's
            // seq, so another process cannot commit in between.
            let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let outcomes = messages
                .into_iter()
                .map(|message| insert_message(&transaction, message))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            transaction.commit()?;
            Ok(outcomes)
        })
        .await
    }

    async fn history(&self, room_id: &str, slice: &HistorySlice, limit: u32) -> Result<Vec<Message>, ApiError> {
        let (room, slice) = (room_id.to_string(), slice.clone());
        self.read(move |connection| {
            let (condition, order, anchor) = match slice {
                HistorySlice::Latest => ("", "DESC", None),
                HistorySlice::Before(seq) => ("AND seq < ?3", "DESC", Some(sql_seq(seq))),
                HistorySlice::After(seq) => ("AND seq > ?3", "ASC", Some(sql_seq(seq))),
            };
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE room = ?1 {condition} ORDER BY seq {order} LIMIT ?2"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = match anchor {
                Some(anchor) => statement.query_map(params![room, limit, anchor], message_from_row)?,
                None => statement.query_map(params![room, limit], message_from_row)?,
            };
            rows.collect()
        })
        .await
    }

    async fn mark_read(&self, room_id: &str, sub: &str, seq: u64) -> Result<bool, ApiError> {
        let (room, sub) = (room_id.to_string(), sub.to_string());
        self.write(move |connection| {
            let changed = connection
                .prepare_cached("UPDATE members SET last_read_seq = ?3 WHERE room = ?1 AND sub = ?2 AND last_read_seq < ?3")?
                .execute(params![room, sub, sql_seq(seq)])?;
            Ok(changed > 0)
        })
        .await
    }

    async fn message_seq(&self, room_id: &str, message_id: &str) -> Result<Option<u64>, ApiError> {
        let (room, id) = (room_id.to_string(), message_id.to_string());
        self.read(move |connection| {
            connection
                .prepare_cached("SELECT seq FROM messages WHERE id = ?1 AND room = ?2")?
                .query_row(params![id, room], |row| seq_at(row, 0))
                .optional()
        })
        .await
    }

    async fn message(&self, room_id: &str, message_id: &str) -> Result<Option<Message>, ApiError> {
        let (room, id) = (room_id.to_string(), message_id.to_string());
        self.read(move |connection| moods::message(connection, &room, &id)).await
    }

    async fn change_message(&self, room_id: &str, message_id: &str, change: &MessageChange) -> Result<Changed, ApiError> {
        let (room, id, change) = (room_id.to_string(), message_id.to_string(), change.clone());
        self.write(move |connection| changes::change_message(connection, &room, &id, &change)).await
    }

    async fn changed_since(&self, room_id: &str, after: u64, limit: u32) -> Result<Vec<Message>, ApiError> {
        let room = room_id.to_string();
        self.read(move |connection| changes::changed_since(connection, &room, after, limit)).await
    }

    async fn change_number(&self, room_id: &str) -> Result<u64, ApiError> {
        let room = room_id.to_string();
        self.read(move |connection| changes::change_number(connection, &room)).await
    }

    async fn author_moods(&self, after: Option<&str>, limit: u32) -> Result<Vec<Message>, ApiError> {
        let after = after.unwrap_or_default().to_string();
        self.read(move |connection| moods::author_moods(connection, &after, limit)).await
    }

    async fn mood_counts(&self, room_id: &str, since_ms: i64, offset_ms: i64) -> Result<Vec<MoodCount>, ApiError> {
        let room = room_id.to_string();
        self.read(move |connection| search::mood_counts(connection, &room, since_ms, offset_ms)).await
    }
}

#[async_trait]
impl SearchIndex for SqliteStore {
    async fn search(&self, rooms: &[String], terms: &[String], before: Option<&str>, limit: u32)
        -> Result<Vec<Message>, ApiError> {
        let (rooms, terms, before) = (rooms.to_vec(), terms.to_vec(), before.map(str::to_string));
        self.read(move |connection| search::search(connection, &rooms, &terms, before.as_deref(), limit)).await
    }
}
