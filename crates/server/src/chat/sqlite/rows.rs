//! Rows to domain values and back, and the statements a write transaction is
//! made of.

use moodchat_core::{Appended, RoomHead, RoomListing};
use moodchat_protocol::{Image, Message, Room, RoomKind, Sentiment, UserRef};
use rusqlite::{params, Connection, OptionalExtension, Row};

pub const MESSAGE_COLUMNS: &str = "id, room, sender_sub, sender_name, text, image_key, image_url, image_w, image_h, \
     sentiment_label, sentiment_score, sentiment_source, created_at, client_id, seq, author_mood, author_mood_at, \
     edited_at, deleted_at, change_seq, reactions, reply_to";
/// How many columns `MESSAGE_COLUMNS` has.
const MESSAGE_WIDTH: usize = 22;

/// `MESSAGE_COLUMNS` of the table alias `alias`.
pub fn message_columns_of(alias: &str) -> String {
    MESSAGE_COLUMNS.split(", ").map(|column| format!("{alias}.{column}")).collect::<Vec<_>>().join(", ")
}

/// Seqs are stored as SQLite integers (i64); they start at 1 and grow by
/// one per message, so they never come near the sign bit.
pub fn seq_at(row: &Row<'_>, at: usize) -> rusqlite::Result<u64> {
    Ok(row.get::<_, i64>(at)?.max(0) as u64)
}

pub fn sql_seq(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

pub fn kind_to_sql(kind: RoomKind) -> &'static str {
    match kind {
        RoomKind::Public => "public",
        RoomKind::Direct => "direct",
    }
}

/// A room from the columns `id, name, kind` starting at `at`.
fn room_at(row: &Row<'_>, at: usize) -> rusqlite::Result<Room> {
    let kind: String = row.get(at + 2)?;
    Ok(Room {
        id: row.get(at)?,
        name: row.get(at + 1)?,
        kind: if kind == "direct" { RoomKind::Direct } else { RoomKind::Public },
    })
}

pub fn room_from_row(row: &Row<'_>) -> rusqlite::Result<Room> {
    room_at(row, 0)
}

pub fn message_from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let image_key: Option<String> = row.get(5)?;
    let image = match image_key {
        Some(key) => Some(Image {
            key,
            url: row.get::<_, Option<String>>(6)?.unwrap_or_default(),
            w: row.get(7)?,
            h: row.get(8)?,
            thumb_url: None,
        }),
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
        seq: seq_at(row, 14)?,
        author_mood: super::moods::author_mood_from_row(row, 15)?,
        edited_at: row.get(17)?,
        deleted_at: row.get(18)?,
        change: seq_at(row, 19)?,
        reactions: super::changes::reactions_from_row(row, 20)?,
        reply_to: super::replies::reply_to_from_row(row, 21)?,
    })
}

/// Adds a member whose read marker is the room's current seq: a new member
/// has read everything that came before.
pub fn insert_member(connection: &Connection, room: &str, sub: &str, now_ms: i64) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "INSERT OR IGNORE INTO members (room, sub, joined_at, last_read_seq) SELECT ?1, ?2, ?3, seq FROM rooms WHERE id = ?1",
        )?
        .execute(params![room, sub, now_ms])?;
    Ok(())
}

/// Inserts with the room's next seq unless (room, sender, client_id)
/// exists (then returns that one). Run inside a write transaction, which
/// SQLite serialises across every connection and process: seqs are handed
/// out in commit order, so a reader that sees seq N sees every seq below it.
pub fn insert_message(connection: &Connection, message: Message) -> rusqlite::Result<Appended> {
    let existing = connection
        .prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE room = ?1 AND sender_sub = ?2 AND client_id = ?3"
        ))?
        .query_row(params![message.room, message.sender.sub, message.client_id], message_from_row)
        .optional()?;
    if let Some(existing) = existing {
        return Ok(Appended::Existing(existing));
    }
    let seq: u64 = connection
        .prepare_cached("UPDATE rooms SET seq = seq + 1, last_message_id = ?2 WHERE id = ?1 RETURNING seq")?
        .query_row(params![message.room, message.id], |row| seq_at(row, 0))?;
    let message = Message { seq, ..message };
    let image = message.image.as_ref();
    let sentiment = message.sentiment.as_ref();
    connection
        .prepare_cached(&format!(
            "INSERT INTO messages ({MESSAGE_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"
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
            sql_seq(message.seq),
            message.author_mood.map(|m| m.label.as_str()),
            message.author_mood.map(|m| m.set_at),
            message.edited_at,
            message.deleted_at,
            sql_seq(message.change),
            super::changes::reactions_to_sql(&message.reactions),
            message.reply_to.as_ref().map(|quote| &quote.id),
        ])?;
    // Sending reads the room.
    connection
        .prepare_cached("UPDATE members SET last_read_seq = ?3 WHERE room = ?1 AND sub = ?2 AND last_read_seq < ?3")?
        .execute(params![message.room, message.sender.sub, sql_seq(message.seq)])?;
    Ok(Appended::New(message))
}

/// The user's memberships joined with their rooms' heads and, for direct
/// rooms, the other member; with `discover`, public rooms they are not in.
/// One statement, whatever the number of rooms.
pub fn room_listings(connection: &Connection, sub: &str, discover: bool) -> rusqlite::Result<Vec<RoomListing>> {
    let last = message_columns_of("lm");
    let sql = format!(
        "SELECT {last}, r.id, r.name, r.kind, r.seq, m.last_read_seq, pu.sub, pu.name, m.muted \
         FROM members m JOIN rooms r ON r.id = m.room \
         LEFT JOIN messages lm ON lm.id = r.last_message_id \
         LEFT JOIN members pm ON r.kind = 'direct' AND pm.room = r.id AND pm.sub != m.sub \
         LEFT JOIN users pu ON pu.sub = pm.sub \
         WHERE m.sub = ?1 \
         UNION ALL \
         SELECT {last}, r.id, r.name, r.kind, r.seq, NULL, NULL, NULL, 0 \
         FROM rooms r LEFT JOIN messages lm ON lm.id = r.last_message_id \
         WHERE ?2 AND r.kind = 'public' AND NOT EXISTS (SELECT 1 FROM members m WHERE m.room = r.id AND m.sub = ?1)"
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let rows = statement.query_map(params![sub, discover], |row| {
        let at = MESSAGE_WIDTH;
        let has_last: Option<String> = row.get(0)?;
        let last_message = if has_last.is_some() { Some(message_from_row(row)?) } else { None };
        let peer_sub: Option<String> = row.get(at + 5)?;
        let peer = match peer_sub {
            Some(sub) => Some(UserRef { sub, name: row.get(at + 6)? }),
            None => None,
        };
        Ok(RoomListing {
            head: RoomHead { room: room_at(row, at)?, seq: seq_at(row, at + 3)?, last_message },
            last_read_seq: row.get::<_, Option<i64>>(at + 4)?.map(|seq| seq.max(0) as u64),
            peer,
            muted: row.get(at + 7)?,
        })
    })?;
    rows.collect()
}
