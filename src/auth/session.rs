//! The signed-in session: Cognito's tokens, who they belong to, when they
//! expire, how they are kept across reloads and when to refresh them.
//!
//! Everything here is plain data and pure functions (plus localStorage), so
//! it is tested without a server.

use moodchat_protocol::names::display_name;
use super::json::{member, parse, text};
use crate::storage;

/// Who is signed in, from the ID token's claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Cognito's stable user id (`sub`); the chat backend knows people by it.
    pub sub: String,
    /// The display name (`moodchat_protocol::names::display_name`).
    pub name: String,
    pub email: String,
}

/// A signed-in session.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub user: User,
    /// The ID token: what the chat API expects (`Authorization` header on
    /// REST, `?token=` on the WebSocket).
    pub id_token: String,
    /// For Cognito's own user APIs (GlobalSignOut).
    pub access_token: String,
    /// Long-lived; trades for new ID and access tokens (REFRESH_TOKEN_AUTH).
    pub refresh_token: String,
    /// When the ID token was issued and expires, in ms since the epoch.
    pub issued_at_ms: f64,
    pub expires_at_ms: f64,
}

/// The claims of an ID token the app uses. Not a validation: the token came
/// over TLS from the provider, and the backend verifies its signature.
#[derive(Clone, Debug, PartialEq)]
pub struct IdClaims {
    pub user: User,
    pub issued_at_ms: f64,
    pub expires_at_ms: f64,
}

impl Session {
    /// A session from the tokens of an `AuthenticationResult`.
    pub fn from_tokens(id_token: String, access_token: String, refresh_token: String) -> Option<Session> {
        let claims = parse_id_token(&id_token)?;
        Some(Session {
            user: claims.user,
            id_token,
            access_token,
            refresh_token,
            issued_at_ms: claims.issued_at_ms,
            expires_at_ms: claims.expires_at_ms,
        })
    }

    /// The same session with the new ID and access tokens of a refresh
    /// (Cognito keeps the refresh token).
    pub fn refreshed(&self, id_token: String, access_token: String) -> Option<Session> {
        Session::from_tokens(id_token, access_token, self.refresh_token.clone())
    }

    /// Whether the ID token is still valid at `now_ms`.
    pub fn is_fresh(&self, now_ms: f64) -> bool {
        now_ms < self.expires_at_ms
    }
}

/// Reads the payload of a JWT (`header.payload.signature`, base64url JSON)
/// without a JWT library, which the main bundle cannot afford.
pub fn parse_id_token(token: &str) -> Option<IdClaims> {
    let payload = token.split('.').nth(1)?;
    let claims = parse(&String::from_utf8(base64url_decode(payload)?).ok()?);
    let text = |name: &str| text(&claims, name);
    let seconds = |name: &str| member(&claims, name).as_f64();
    let sub = text("sub")?;
    let email = text("email").unwrap_or_default();
    // The same rule the backend names a message's sender by.
    let (given, username) = (text("name"), text("cognito:username"));
    let name = display_name(given.as_deref(), Some(&email), username.as_deref(), &sub).to_owned();
    let expires = seconds("exp")?;
    Some(IdClaims {
        user: User { sub, name, email },
        issued_at_ms: seconds("iat").unwrap_or(expires - 3600.0) * 1000.0,
        expires_at_ms: expires * 1000.0,
    })
}

/// Decodes base64url (JWT segments: no padding) or plain base64.
pub fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    let mut output = Vec::with_capacity(input.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in input.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            output.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(output)
}

/// How long to wait before refreshing the tokens, in ms from `now_ms`: a
/// minute before they expire, or at half their lifetime when that is short
/// (tests run with tokens of a few seconds); at once when already due.
pub fn refresh_delay_ms(session: &Session, now_ms: f64) -> f64 {
    const MARGIN_MS: f64 = 60_000.0;
    let lifetime = session.expires_at_ms - session.issued_at_ms;
    let due = if lifetime > 2.0 * MARGIN_MS {
        session.expires_at_ms - MARGIN_MS
    } else {
        session.issued_at_ms + lifetime / 2.0
    };
    (due - now_ms).max(0.0)
}

// localStorage keys. The session is three tokens; everything else is derived
// from the ID token, so nothing can disagree after a reload.
const ID_TOKEN: &str = "moodchat.session.id_token";
const ACCESS_TOKEN: &str = "moodchat.session.access_token";
const REFRESH_TOKEN: &str = "moodchat.session.refresh_token";

/// The session kept by an earlier visit, if any (even with an expired ID
/// token: the refresh token may still trade for new ones).
pub fn load() -> Option<Session> {
    Session::from_tokens(storage::get(ID_TOKEN)?, storage::get(ACCESS_TOKEN)?, storage::get(REFRESH_TOKEN)?)
}

pub fn save(session: &Session) {
    storage::set(ID_TOKEN, &session.id_token);
    storage::set(ACCESS_TOKEN, &session.access_token);
    storage::set(REFRESH_TOKEN, &session.refresh_token);
}

pub fn forget() {
    for key in [ID_TOKEN, ACCESS_TOKEN, REFRESH_TOKEN] {
        storage::remove(key);
    }
}

/// Where to go after signing in: the page the user was sent away from, kept
/// across the sign-in (and a reload, and a confirmation email).
const RETURN_TO: &str = "moodchat.return_to";

/// Remembers `path` (with its query) as the place to come back to. Only paths
/// of this app: never another origin, never the sign-in pages themselves.
pub fn remember_return_to(path: &str) {
    if is_safe_return_path(path) {
        storage::set(RETURN_TO, path);
    }
}

/// The room opened last, where signing in lands when no page was asked for.
const LAST_ROOM: &str = "moodchat.last_room";

/// Remembers `room` as the last one opened.
pub fn remember_room(room: &str) {
    storage::set(LAST_ROOM, room);
}

/// The remembered path, forgotten once taken; by default the last room
/// opened, or the lobby (never an empty "pick a room" page).
pub fn take_return_to() -> String {
    let path = storage::get(RETURN_TO).filter(|path| is_safe_return_path(path));
    storage::remove(RETURN_TO);
    path.unwrap_or_else(|| {
        let room = storage::get(LAST_ROOM).filter(|room| !room.is_empty());
        let room = room.as_deref().unwrap_or(moodchat_protocol::limits::LOBBY_ROOM_ID);
        ["/rooms/", &String::from(js_sys::encode_uri_component(room))].concat()
    })
}

/// Forgets where to go: on an explicit sign-out (the next person on a
/// shared computer starts in the lobby).
pub fn forget_return_to() {
    storage::remove(RETURN_TO);
    storage::remove(LAST_ROOM);
}

pub fn is_safe_return_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !crate::auth::guard::is_guest_path(path.split(['?', '#']).next().unwrap_or(path))
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// An unsigned JWT with the given payload (the app never checks signatures).
    pub fn token(payload: &str) -> String {
        let encoded = web_sys::window().unwrap().btoa(payload).unwrap();
        let url_safe: String = encoded.trim_end_matches('=').replace('+', "-").replace('/', "_");
        ["eyJhbGciOiJSUzI1NiJ9", &url_safe, "c2ln"].join(".")
    }

    #[test]
    fn base64url_decodes_with_and_without_padding() {
        assert_eq!(base64url_decode("aGk").unwrap(), b"hi");
        assert_eq!(base64url_decode("aGk=").unwrap(), b"hi");
        assert_eq!(base64url_decode("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64url_decode("+/8=").unwrap(), [0xfb, 0xff]);
        assert!(base64url_decode("a b").is_none());
    }

    #[test]
    fn id_token_claims_give_the_user_and_lifetime() {
        // UTF-8 name, the way a Korean display name arrives (btoa needs Latin-1: escape it).
        let name = String::from(js_sys::encode_uri_component("민지"));
        let latin1 = String::from(js_sys::unescape(&name));
        let payload = format!(r#"{{"sub":"u-1","email":"minji@example.com","name":"{latin1}","iat":1000,"exp":4600,"token_use":"id"}}"#);
        let claims = parse_id_token(&token(&payload)).unwrap();
        assert_eq!(claims.user, User { sub: "u-1".into(), name: "민지".into(), email: "minji@example.com".into() });
        assert_eq!(claims.issued_at_ms, 1_000_000.0);
        assert_eq!(claims.expires_at_ms, 4_600_000.0);
    }

    #[test]
    fn a_missing_name_falls_back_to_the_email() {
        let claims = parse_id_token(&token(r#"{"sub":"u-2","email":"a@b.c","exp":10}"#)).unwrap();
        assert_eq!(claims.user.name, "a@b.c");
        assert!(parse_id_token(&token(r#"{"email":"a@b.c","exp":10}"#)).is_none(), "no sub");
        assert!(parse_id_token("not-a-jwt").is_none());
    }

    fn session(issued_s: f64, expires_s: f64) -> Session {
        let payload = format!(r#"{{"sub":"u","email":"e@x.y","iat":{issued_s},"exp":{expires_s}}}"#);
        Session::from_tokens(token(&payload), "access".into(), "refresh".into()).unwrap()
    }

    #[test]
    fn hour_long_tokens_refresh_a_minute_before_they_expire() {
        let hour = session(1000.0, 4600.0);
        assert_eq!(refresh_delay_ms(&hour, 1_000_000.0), 3_540_000.0);
        assert_eq!(refresh_delay_ms(&hour, 4_540_000.0), 0.0);
        assert_eq!(refresh_delay_ms(&hour, 9_999_000.0), 0.0, "overdue: refresh now");
    }

    #[test]
    fn short_tokens_refresh_at_half_their_lifetime() {
        let five_seconds = session(1000.0, 1005.0);
        assert_eq!(refresh_delay_ms(&five_seconds, 1_000_000.0), 2_500.0);
        assert_eq!(refresh_delay_ms(&five_seconds, 1_002_000.0), 500.0);
        assert!(five_seconds.is_fresh(1_004_999.0));
        assert!(!five_seconds.is_fresh(1_005_000.0));
    }

    #[test]
    fn a_refresh_keeps_the_refresh_token_and_moves_the_expiry() {
        let old = session(1000.0, 1005.0);
        let new_id = token(r#"{"sub":"u","email":"e@x.y","iat":1004,"exp":1009}"#);
        let new = old.refreshed(new_id.clone(), "access-2".into()).unwrap();
        assert_eq!((new.id_token.as_str(), new.access_token.as_str()), (new_id.as_str(), "access-2"));
        assert_eq!(new.refresh_token, "refresh");
        assert_eq!(new.expires_at_ms, 1_009_000.0);
    }

    #[test]
    fn the_session_survives_a_reload_through_local_storage() {
        forget();
        assert_eq!(load(), None);
        let kept = session(1000.0, 4600.0);
        save(&kept);
        assert_eq!(load(), Some(kept));
        forget();
        assert_eq!(load(), None);
    }

    #[test]
    fn only_paths_of_this_app_are_remembered_to_return_to() {
        forget_return_to();
        assert_eq!(take_return_to(), "/rooms/lobby", "the lobby, not an empty page");
        remember_return_to("/rooms/lobby?since=5");
        assert_eq!(take_return_to(), "/rooms/lobby?since=5");
        assert_eq!(take_return_to(), "/rooms/lobby", "taken once");
        for unsafe_path in ["https://evil.example/", "//evil.example/x", "/\\evil", "/signin", "/signup?x=1", "rooms"] {
            remember_return_to(unsafe_path);
            assert_eq!(take_return_to(), "/rooms/lobby", "{unsafe_path} is not a place to return to");
        }
        remember_room("01JD5X/../x");
        assert_eq!(take_return_to(), "/rooms/01JD5X%2F..%2Fx", "the last room opened, its id encoded");
        forget_return_to();
        assert_eq!(take_return_to(), "/rooms/lobby", "forgotten on sign-out");
    }
}
