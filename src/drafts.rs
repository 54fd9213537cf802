//! What the user was typing in each room's composer, kept in localStorage so
//! that nothing is lost when the session ends (a failed token refresh sends
//! them to the sign-in page) or the tab reloads. The chat UI reads a room's
//! draft when it opens the composer and writes it on every input.

use crate::storage;

const PREFIX: &str = "moodchat.draft.";

fn key(room: &str) -> String {
    let mut key = String::with_capacity(PREFIX.len() + room.len());
    key.push_str(PREFIX);
    key.push_str(room);
    key
}

/// The unsent text of `room`, or "" when there is none.
pub fn load(room: &str) -> String {
    storage::get(&key(room)).unwrap_or_default()
}

/// Remembers the composer's text; an empty text forgets the draft.
pub fn save(room: &str, text: &str) {
    if text.is_empty() {
        storage::remove(&key(room));
    } else {
        storage::set(&key(room), text);
    }
}

/// Forgets every room's draft: on an explicit sign-out, so the next person on
/// a shared computer does not see them (an expired session keeps them).
pub fn clear_all() {
    for key in storage::keys_with_prefix(PREFIX) {
        storage::remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn drafts_are_kept_per_room_and_cleared_together() {
        clear_all();
        save("lobby", "half a thought");
        save("dm-7", "안녕하세요");
        assert_eq!(load("lobby"), "half a thought");
        assert_eq!(load("dm-7"), "안녕하세요");
        assert_eq!(load("elsewhere"), "");
        save("lobby", "");
        assert_eq!(load("lobby"), "", "an empty composer forgets its draft");
        clear_all();
        assert_eq!(load("dm-7"), "");
    }
}
