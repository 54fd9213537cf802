//! Replies: a message keeps only the id of the message it replies to. The
//! quote a reader sees is made from the original as it is when read (the
//! core's `replies`), so no copy of the original's text is stored here.

use moodchat_protocol::Quote;
use rusqlite::Row;

pub const MIGRATION: &str = r#"
ALTER TABLE messages ADD COLUMN reply_to TEXT;
"#;

/// The stored reference: a quote that names only the original's id, for
/// the core to fill in.
pub fn reply_to_from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<Option<Quote>> {
    let id: Option<String> = row.get(at)?;
    Ok(id.map(|id| Quote { id, ..Quote::default() }))
}
