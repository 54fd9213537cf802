//! Documented limits (docs/protocol.md, "Limits"). Shared so the SPA can
//! validate before sending and the backends enforce the same numbers.

/// Maximum message text length in Unicode scalar values, after trimming.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Maximum room name length in characters, after trimming.
pub const MAX_ROOM_NAME_CHARS: usize = 80;
/// Maximum `client_id` length (printable ASCII, no spaces).
pub const MAX_CLIENT_ID_LEN: usize = 64;
/// Maximum `image_key` length.
pub const MAX_IMAGE_KEY_LEN: usize = 512;
/// Default maximum size of an uploaded image (`moodchat serve --max-upload-bytes`).
pub const MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;
/// The image types an upload ticket is granted for.
pub const IMAGE_CONTENT_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];
/// Thumbnails fit in a square of this many pixels.
pub const THUMBNAIL_MAX_PX: u32 = 480;
/// Default and maximum history page size.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
pub const MAX_PAGE_LIMIT: u32 = 200;
/// WebSocket frame and message limits (API Gateway's).
pub const MAX_WS_FRAME_BYTES: usize = 32 * 1024;
pub const MAX_WS_MESSAGE_BYTES: usize = 128 * 1024;
/// Maximum REST request body.
pub const MAX_BODY_BYTES: usize = 128 * 1024;
/// Default WebSocket idle timeout (API Gateway's).
pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 600;
/// Frames per WebSocket connection: a token bucket of this many, refilled
/// at this many per second. Shared so the SPA can pace itself under it.
pub const WS_FRAMES_BURST: u32 = 20;
pub const WS_FRAMES_PER_SECOND: u32 = 10;
/// REST sends per user: the same kind of bucket.
pub const REST_SENDS_BURST: u32 = 20;
pub const REST_SENDS_PER_SECOND: u32 = 10;
/// The room every user belongs to.
pub const LOBBY_ROOM_ID: &str = "lobby";
/// Unread counts stop at this many (the UI shows "999+").
pub const UNREAD_CAP: u32 = 1000;
/// A room's unread mentions are looked for in its first this many unread
/// messages (one read of them per room with unread messages).
pub const MENTION_SCAN: u32 = 100;
/// Search (`GET /api/search`): the query's length in characters after
/// trimming, how many words it may have, and the page size.
pub const MAX_SEARCH_QUERY_CHARS: usize = 100;
pub const MAX_SEARCH_TERMS: usize = 8;
pub const DEFAULT_SEARCH_LIMIT: u32 = 20;
pub const MAX_SEARCH_LIMIT: u32 = 50;
/// Searches per user: a token bucket like the sends' (a search of a short
/// word reads a lot; a person typing with the app's pause makes a few a second).
pub const SEARCHES_BURST: u32 = 20;
pub const SEARCHES_PER_SECOND: u32 = 5;
/// The mood of a room (`GET /api/rooms/{id}/moods`): days counted (default
/// and most), and how many of the newest messages `recent` covers.
pub const DEFAULT_MOOD_DAYS: u32 = 7;
pub const MAX_MOOD_DAYS: u32 = 31;
pub const MOOD_RECENT_MESSAGES: u32 = 100;

/// How long after sending a message its author may edit it: 24 hours.
pub const EDIT_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// The emoji a message can be reacted with, in the order messages list them
/// (docs/protocol.md, "Reactions"): thumbs up, red heart, tears of joy,
/// surprise, crying, folded hands. Exactly these strings (the heart carries
/// its emoji presentation selector, U+FE0F); anything else is refused.
pub const REACTION_EMOJI: [&str; 6] = ["\u{1F44D}", "\u{2764}\u{FE0F}", "\u{1F602}", "\u{1F62E}", "\u{1F622}", "\u{1F64F}"];
/// At most this many people per emoji on one message: what every copy of
/// a message carries stays bounded (6 x 50 names). The next one is refused
/// (409 `conflict`); reacting with another emoji still works.
pub const REACTION_MAX_USERS: usize = 50;

/// A reply's quote of the message it answers keeps this many characters of
/// its text.
pub const QUOTE_MAX_CHARS: usize = 140;

/// Where `emoji` is in `REACTION_EMOJI`, `None` when it is not one of them.
pub fn reaction_index(emoji: &str) -> Option<usize> {
    REACTION_EMOJI.iter().position(|known| *known == emoji)
}
