//! Removes images that no message refers to, some time after they were
//! stored (`--unattached-image-ttl`, a day by default): uploads whose
//! message was never sent, and uploads made only to fill the disk. Files of
//! interrupted uploads never get this far (`.incoming` is cleaned as they
//! fail, and at start).
//!
//! In two passes, so that a message sent at the last moment never loses its
//! image: an old unattached image is first hidden (its record renamed: the
//! chat no longer finds it, so no new message can refer to it), and only on
//! the next pass, when any send that found it before has long committed, is
//! it removed, or put back if a message did refer to it after all. Images
//! found attached are marked so and not looked at again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use moodchat_core::BlobKey;
use rusqlite::{Connection, OpenFlags};

use super::store::{BlobStore, SweepEntry};
use super::Images;

pub const DEFAULT_UNATTACHED_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub hidden: usize,
    pub removed: usize,
    pub restored: usize,
}

/// Runs the sweeper for as long as the runtime does: a pass every quarter
/// of the TTL (between a second and an hour).
pub fn spawn(images: Images, chat_database: PathBuf) -> tokio::task::JoinHandle<()> {
    let ttl = images.settings.unattached_ttl;
    let every = (ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(60 * 60));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let images = images.clone();
            let database = chat_database.clone();
            let now_ms = images.clock.now_ms();
            let pass = tokio::task::spawn_blocking(move || sweep(&images.store, &database, ttl, now_ms)).await;
            match pass {
                Ok(Ok(swept)) if swept != Swept::default() => tracing::info!(?swept, "unattached images swept"),
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::warn!(%error, "sweeping unattached images failed"),
                Err(error) => tracing::error!(%error, "the image sweeper panicked"),
            }
        }
    })
}

/// One pass (blocking).
pub fn sweep(store: &BlobStore, chat_database: &Path, ttl: Duration, now_ms: i64) -> anyhow::Result<Swept> {
    let mut swept = Swept::default();
    let entries = store.sweep_listing()?;
    if entries.is_empty() {
        return Ok(swept);
    }
    let messages = Connection::open_with_flags(chat_database, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let old_enough = now_ms - i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
    for entry in entries {
        match entry {
            SweepEntry::Visible { attached: true, .. } => {}
            SweepEntry::Visible { stored_at_ms, .. } if stored_at_ms > old_enough => {}
            SweepEntry::Visible { key, .. } if is_attached(&messages, &key)? => store.mark_attached(&key)?,
            SweepEntry::Visible { key, .. } => {
                store.hide(&key)?;
                swept.hidden += 1;
            }
            SweepEntry::Hidden { key } if is_attached(&messages, &key)? => {
                store.unhide(&key)?;
                store.mark_attached(&key)?;
                swept.restored += 1;
            }
            SweepEntry::Hidden { key } => {
                store.remove_hidden(&key)?;
                swept.removed += 1;
            }
        }
    }
    Ok(swept)
}

/// Whether a message in the image's room refers to it. Messages come after
/// their image, so only ids from the image's own millisecond on are read
/// (both are ULIDs: ten characters of time, then randomness).
fn is_attached(messages: &Connection, key: &BlobKey) -> rusqlite::Result<bool> {
    let from = format!("{}{}", &key.id[..10], "0".repeat(16));
    messages.query_row(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE room = ?1 AND id >= ?2 AND image_key = ?3)",
        rusqlite::params![key.room, from, key.to_string()],
        |row| row.get(0),
    )
}
