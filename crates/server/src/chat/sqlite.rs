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
use moodchat_core::{Appended, HistorySlice, Identity, MessageStore};
use moodchat_protocol::limits::LOBBY_ROOM_ID;
use moodchat_protocol::{ApiError, Image, Message, Room, RoomKind, RoomSummary, Sentiment, UserRef};
use rusqlite::{params, Connection, OptionalExtension, Row};

const READERS: usize = 4;
/// Unread counts stop at this many (the UI shows "999+").
const UNREAD_CAP: u32 = 1000;

/// Schema migrations, applied in order; `PRAGMA user_version` is how many ran.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE users (
    sub TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    username_lc TEXT NOT NULL,
    name_lc TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX users_by_username ON users (username_lc);
CREATE INDEX users_by_name ON users (name_lc);

CREATE TABLE rooms (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('public', 'direct')),
    -- the sorted pair of member subs of a direct room: one room per pair
    direct_key TEXT UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE members (
    room TEXT NOT NULL REFERENCES rooms (id),
    sub TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (room, sub)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members (sub, room);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    room TEXT NOT NULL REFERENCES rooms (id),
    sender_sub TEXT NOT NULL,
    sender_name TEXT NOT NULL,
    text TEXT NOT NULL,
    image_key TEXT,
    image_url TEXT,
    image_w INTEGER,
    image_h INTEGER,
    sentiment_label TEXT,
    sentiment_score REAL,
    sentiment_source TEXT,
    created_at INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    UNIQUE (room, sender_sub, client_id)
);
CREATE INDEX messages_by_room ON messages (room, id);

-- a user's read marker per room: the newest message id they have read
CREATE TABLE reads (
    room TEXT NOT NULL,
    sub TEXT NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (room, sub)
) WITHOUT ROWID;

INSERT INTO rooms (id, name, kind, created_at) VALUES ('lobby', 'Lobby', 'public', 0);
"#];

const MESSAGE_COLUMNS: &str = "id, room, sender_sub, sender_name, text, image_key, image_url, image_w, image_h, \
     sentiment_label, sentiment_score, sentiment_source, created_at, client_id";

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
        migrate(&mut writer)?;
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
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    connection.set_prepared_statement_cache_capacity(64);
    Ok(())
}

fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    let done: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(done as usize) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(migration)?;
        transaction.pragma_update(None, "user_version", index as i64 + 1)?;
        transaction.commit()?;
    }
    Ok(())
}

fn kind_to_sql(kind: RoomKind) -> &'static str {
    match kind {
        RoomKind::Public => "public",
        RoomKind::Direct => "direct",
    }
}

fn room_from_row(row: &Row<'_>) -> rusqlite::Result<Room> {
    let kind: String = row.get(2)?;
    Ok(Room {
        id: row.get(0)?,
        name: row.get(1)?,
        kind: if kind == "direct" { RoomKind::Direct } else { RoomKind::Public },
    })
}

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let image_key: Option<String> = row.get(5)?;
    let image = match image_key {
        Some(key) => Some(Image { key, url: row.get::<_, Option<String>>(6)?.unwrap_or_default(), w: row.get(7)?, h: row.get(8)?, thumb_url: None }),
        None => None,
    };
    let label: Option<String> = row.get(9)?;
    let sentiment = match label {
        Some(label) => Some(Sentiment {
            label,
            score: row.get::<_, Option<f64>>(10)?.unwrap_or_default() as f32,
            source: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Message {
        id: row.get(0)?,
        room: row.get(1)?,
        sender: UserRef { sub: row.get(2)?, name: row.get(3)? },
        text: row.get(4)?,
        image,
        sentiment,
        created_at: row.get(12)?,
        client_id: row.get(13)?,
    })
}

/// Adds a member; a new member has read everything that came before.
fn insert_member(connection: &Connection, room: &str, sub: &str, now_ms: i64) -> rusqlite::Result<()> {
    let added = connection
        .prepare_cached("INSERT OR IGNORE INTO members (room, sub, joined_at) VALUES (?1, ?2, ?3)")?
        .execute(params![room, sub, now_ms])?;
    if added > 0 {
        connection
            .prepare_cached(
                "INSERT OR IGNORE INTO reads (room, sub, message_id) \
                 SELECT ?1, ?2, max(id) FROM messages WHERE room = ?1 HAVING max(id) IS NOT NULL",
            )?
            .execute(params![room, sub])?;
    }
    Ok(())
}

/// Inserts unless (room, sender, client_id) exists; then returns that one.
fn insert_message(connection: &Connection, message: Message) -> rusqlite::Result<Appended> {
    let image = message.image.as_ref();
    let sentiment = message.sentiment.as_ref();
    let inserted = connection
        .prepare_cached(&format!(
            "INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
             ON CONFLICT (room, sender_sub, client_id) DO NOTHING"
        ))?
        .execute(params![
            message.id,
            message.room,
            message.sender.sub,
            message.sender.name,
            message.text,
            image.map(|i| &i.key),
            image.map(|i| &i.url),
            image.and_then(|i| i.w),
            image.and_then(|i| i.h),
            sentiment.map(|s| &s.label),
            sentiment.map(|s| f64::from(s.score)),
            sentiment.map(|s| &s.source),
            message.created_at,
            message.client_id,
        ])?;
    if inserted > 0 {
        return Ok(Appended::New(message));
    }
    let existing = connection
        .prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE room = ?1 AND sender_sub = ?2 AND client_id = ?3"
        ))?
        .query_row(params![message.room, message.sender.sub, message.client_id], message_from_row)?;
    Ok(Appended::Existing(existing))
}

fn last_message(connection: &Connection, room: &str) -> rusqlite::Result<Option<Message>> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE room = ?1 ORDER BY id DESC LIMIT 1");
    connection.prepare_cached(&sql)?.query_row(params![room], message_from_row).optional()
}

fn unread_count(connection: &Connection, room: &str, sub: &str) -> rusqlite::Result<u32> {
    connection
        .prepare_cached(
            "SELECT count(*) FROM (SELECT 1 FROM messages WHERE room = ?1 AND sender_sub != ?2 \
             AND id > coalesce((SELECT message_id FROM reads WHERE room = ?1 AND sub = ?2), '') LIMIT ?3)",
        )?
        .query_row(params![room, sub, UNREAD_CAP], |row| row.get(0))
}

fn direct_peer(connection: &Connection, room: &str, sub: &str) -> rusqlite::Result<Option<UserRef>> {
    connection
        .prepare_cached(
            "SELECT u.sub, u.name FROM members m JOIN users u ON u.sub = m.sub WHERE m.room = ?1 AND m.sub != ?2 LIMIT 1",
        )?
        .query_row(params![room, sub], |row| Ok(UserRef { sub: row.get(0)?, name: row.get(1)? }))
        .optional()
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
            let transaction = connection.transaction()?;
            transaction
                .prepare_cached(
                    "INSERT INTO users (sub, username, name, email, username_lc, name_lc, created_at) \
                     VALUES (?1, ?2, ?3, ?4, lower(?2), lower(?3), ?5) \
                     ON CONFLICT (sub) DO UPDATE SET username = excluded.username, name = excluded.name, \
                     email = excluded.email, username_lc = excluded.username_lc, name_lc = excluded.name_lc",
                )?
                .execute(params![user.sub, user.username, user.name, user.email, now_ms])?;
            insert_member(&transaction, LOBBY_ROOM_ID, &user.sub, now_ms)?;
            transaction.commit()
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

    async fn room_summaries(&self, sub: &str, discover: bool) -> Result<Vec<RoomSummary>, ApiError> {
        let sub = sub.to_string();
        self.read(move |connection| {
            let rooms: Vec<(Room, bool)> = {
                let mut statement = connection.prepare_cached(
                    "SELECT r.id, r.name, r.kind, 1 FROM rooms r JOIN members m ON m.room = r.id AND m.sub = ?1 \
                     UNION ALL \
                     SELECT r.id, r.name, r.kind, 0 FROM rooms r WHERE ?2 AND r.kind = 'public' \
                     AND NOT EXISTS (SELECT 1 FROM members m WHERE m.room = r.id AND m.sub = ?1)",
                )?;
                let rows = statement.query_map(params![sub, discover], |row| Ok((room_from_row(row)?, row.get(3)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut summaries = Vec::with_capacity(rooms.len());
            for (mut room, member) in rooms {
                let peer = if room.kind == RoomKind::Direct { direct_peer(connection, &room.id, &sub)? } else { None };
                if let Some(peer) = &peer {
                    room.name = peer.name.clone();
                }
                let unread = if member { unread_count(connection, &room.id, &sub)? } else { 0 };
                let last_message = last_message(connection, &room.id)?;
                summaries.push(RoomSummary { room, member, last_message, unread, peer });
            }
            // Most recent activity first; rooms without messages last.
            summaries.sort_by(|a, b| {
                let last = |s: &RoomSummary| s.last_message.as_ref().map(|m| m.id.clone());
                last(b).cmp(&last(a))
            });
            Ok(summaries)
        })
        .await
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
            let transaction = connection.transaction()?;
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
            let (condition, order, anchor) = match &slice {
                HistorySlice::Latest => ("", "DESC", None),
                HistorySlice::Before(id) => ("AND id < ?3", "DESC", Some(id.clone())),
                HistorySlice::After(id) => ("AND id > ?3", "ASC", Some(id.clone())),
            };
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE room = ?1 {condition} ORDER BY id {order} LIMIT ?2"
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

    async fn mark_read(&self, room_id: &str, sub: &str, message_id: &str) -> Result<bool, ApiError> {
        let (room, sub, id) = (room_id.to_string(), sub.to_string(), message_id.to_string());
        self.write(move |connection| {
            let changed = connection
                .prepare_cached(
                    "INSERT INTO reads (room, sub, message_id) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (room, sub) DO UPDATE SET message_id = excluded.message_id \
                     WHERE excluded.message_id > reads.message_id",
                )?
                .execute(params![room, sub, id])?;
            Ok(changed > 0)
        })
        .await
    }

    async fn message_exists(&self, room_id: &str, message_id: &str) -> Result<bool, ApiError> {
        let (room, id) = (room_id.to_string(), message_id.to_string());
        self.read(move |connection| {
            connection
                .prepare_cached("SELECT 1 FROM messages WHERE id = ?1 AND room = ?2")?
                .query_row(params![id, room], |_| Ok(()))
                .optional()
                .map(|found| found.is_some())
        })
        .await
    }
}
