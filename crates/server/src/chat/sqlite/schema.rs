//! The SQLite schema and its versioned migrations. `PRAGMA user_version` is
//! how many ran; each runs in one transaction with that count, so a crash
//! leaves the database before or after a migration, never inside one.

use rusqlite::{Connection, TransactionBehavior};

/// Applied in order. Never edit one that shipped: add another.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
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
"#,
    // Issue 18: a per-room seq assigned by the store with each write, the
    // room's head (its seq and newest message) kept on the room row, and
    // read markers as seqs on the membership. Existing messages are
    // numbered 1..n per room in the order of their ids (which was their
    // order); a read marker becomes the seq of the message it named, or of
    // the member's own newest message if later (sending reads the room).
    r#"
ALTER TABLE messages ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET seq = numbered.n
    FROM (SELECT id, row_number() OVER (PARTITION BY room ORDER BY id) AS n FROM messages) AS numbered
    WHERE messages.id = numbered.id;
CREATE UNIQUE INDEX messages_by_room_seq ON messages (room, seq);
DROP INDEX messages_by_room;

ALTER TABLE rooms ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN last_message_id TEXT;
UPDATE rooms SET
    seq = (SELECT coalesce(max(seq), 0) FROM messages WHERE room = rooms.id),
    last_message_id = (SELECT id FROM messages WHERE room = rooms.id ORDER BY seq DESC LIMIT 1);

ALTER TABLE members ADD COLUMN last_read_seq INTEGER NOT NULL DEFAULT 0;
UPDATE members SET last_read_seq = max(
    coalesce((SELECT m.seq FROM reads r JOIN messages m ON m.id = r.message_id
              WHERE r.room = members.room AND r.sub = members.sub), 0),
    coalesce((SELECT max(seq) FROM messages WHERE room = members.room AND sender_sub = members.sub), 0));
DROP TABLE reads;
"#,
    super::moods::MIGRATION,
    super::search::MIGRATION,
    super::changes::MIGRATION,
    super::changes::REACTIONS_MIGRATION,
    super::replies::MIGRATION,
    // Issue 17: a member may mute a room (no notifications, unread still counted).
    "ALTER TABLE members ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;",
];

/// Brings the database up to date. Several processes may open one database
/// at once: the version is read again under the write lock, so each
/// migration runs exactly once.
pub fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let done: i64 = transaction.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if done > index as i64 {
            continue;
        }
        transaction.execute_batch(migration)?;
        transaction.pragma_update(None, "user_version", index as i64 + 1)?;
        transaction.commit()?;
    }
    Ok(())
}
