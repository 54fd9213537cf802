//! What was written but not yet acknowledged, kept in localStorage so that a
//! reload or a crash while offline loses nothing: restored into the rooms'
//! timelines at start and sent again (sends are idempotent by `client_id`).
//! Kept per user, so nobody sends what someone else wrote on a shared browser.

use moodchat_protocol::UserRef;
use serde::{Deserialize, Serialize};

use super::store::{Pending, SendState};
use crate::storage;

const PREFIX: &str = "moodchat.outbox.";

/// One unacknowledged send as stored.
#[derive(Serialize, Deserialize)]
struct Stored {
    room: String,
    client_id: String,
    text: String,
    created_at: i64,
    failed: bool,
}

/// Replaces what is stored for `me` with `pending` (every room's).
pub fn save<'a>(me: &UserRef, pending: impl IntoIterator<Item = &'a Pending>) {
    let stored: Vec<Stored> = pending
        .into_iter()
        .map(|p| Stored {
            room: p.room.clone(),
            client_id: p.client_id.clone(),
            text: p.text.clone(),
            created_at: p.created_at,
            failed: p.state == SendState::Failed,
        })
        .collect();
    let key = [PREFIX, &me.sub].concat();
    if stored.is_empty() {
        storage::remove(&key);
    } else if let Ok(json) = serde_json::to_string(&stored) {
        storage::set(&key, &json);
    }
}

/// What `me` left unsent, oldest first.
pub fn load(me: &UserRef) -> Vec<Pending> {
    let stored: Vec<Stored> = storage::get(&[PREFIX, &me.sub].concat())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    stored
        .into_iter()
        .map(|s| Pending {
            client_id: s.client_id,
            room: s.room,
            sender: me.clone(),
            text: s.text,
            created_at: s.created_at,
            state: if s.failed { SendState::Failed } else { SendState::Sending },
        })
        .collect()
}

/// A new `client_id`: time plus randomness, printable ASCII, well under 64
/// characters. The server maps a retried id to the original message.
pub fn new_client_id() -> String {
    let now = js_sys::Date::now() as u64;
    let random = (js_sys::Math::random() * 2f64.powi(52)) as u64;
    format!("c{now:x}{random:x}")
}
