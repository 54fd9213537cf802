//! The chat's REST API (docs/protocol.md, "REST"). Every call goes through
//! one untyped request function and parses the body afterwards, so the
//! bundle has one copy of the HTTP code rather than one per endpoint.

use gloo_net::http::{Method, RequestBuilder};
use moodchat_protocol::{Member, Message, Mood, Room, RoomSummary, UserRef};
use wasm_bindgen::JsValue;

use super::store::Pending;
use super::wire::{self, Page};

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// No answer (offline, server down): worth retrying later.
    Network,
    /// The server answered with this status (and its error `code`).
    Status(u16, String),
}

impl ApiError {
    /// Whether trying the same request again later may work.
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Network => true,
            ApiError::Status(status, _) => *status == 429 || *status >= 500,
        }
    }
}

/// The REST endpoint of one signed-in user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    pub base: String,
    pub token: String,
}

/// `encodeURIComponent`, for ids and queries in URLs.
pub fn encode(part: &str) -> String {
    js_sys::encode_uri_component(part).into()
}

impl Api {
    async fn call(&self, method: Method, path: &str, body: Option<String>) -> Result<String, ApiError> {
        let request = RequestBuilder::new(&[self.base.as_str(), path].concat())
            .method(method)
            .header("Authorization", &self.token);
        let request = match body {
            Some(body) => request.header("Content-Type", "application/json").body(body),
            None => request.build(),
        }
        .map_err(|_| ApiError::Network)?;
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        let status = response.status();
        let text = response.text().await.map_err(|_| ApiError::Network)?;
        if (200..300).contains(&status) {
            Ok(text)
        } else {
            let code = wire::parse(&text);
            let code = js_sys::Reflect::get(&code, &JsValue::from_str("code")).ok().and_then(|c| c.as_string()).unwrap_or_default();
            Err(ApiError::Status(status, code))
        }
    }

    /// A GET of `path` under the API, its JSON body parsed.
    pub async fn get(&self, path: &str) -> Result<JsValue, ApiError> {
        Ok(wire::parse(&self.call(Method::GET, path, None).await?))
    }

    async fn post(&self, path: &str, body: String) -> Result<JsValue, ApiError> {
        Ok(wire::parse(&self.call(Method::POST, path, Some(body)).await?))
    }

    pub async fn rooms(&self) -> Result<Vec<RoomSummary>, ApiError> {
        Ok(wire::room_summaries(&self.get("/rooms").await?))
    }

    pub async fn create_room(&self, name: &str) -> Result<Room, ApiError> {
        wire::room(&self.post("/rooms", wire::object(&[("name", Some(name))])).await?).ok_or_else(invalid)
    }

    pub async fn open_direct(&self, user: &str) -> Result<Room, ApiError> {
        wire::room(&self.post("/dms", wire::object(&[("user", Some(user))])).await?).ok_or_else(invalid)
    }

    /// Public rooms the caller has not joined (`GET /rooms?discover=true`).
    pub async fn joinable_rooms(&self) -> Result<Vec<RoomSummary>, ApiError> {
        let rooms = wire::room_summaries(&self.get("/rooms?discover=true").await?);
        Ok(rooms.into_iter().filter(|summary| !summary.member).collect())
    }

    pub async fn join(&self, room: &str) -> Result<(), ApiError> {
        self.call(Method::POST, &format!("/rooms/{}/join", encode(room)), None).await.map(|_| ())
    }

    pub async fn leave(&self, room: &str) -> Result<(), ApiError> {
        self.call(Method::POST, &format!("/rooms/{}/leave", encode(room)), None).await.map(|_| ())
    }

    /// Mutes (`true`) or unmutes `room` for me.
    pub async fn set_muted(&self, room: &str, muted: bool) -> Result<(), ApiError> {
        let body = if muted { r#"{"muted":true}"# } else { r#"{"muted":false}"# };
        self.call(Method::PUT, &format!("/rooms/{}/mute", encode(room)), Some(body.to_owned())).await.map(|_| ())
    }

    /// Brings `user` (a sub) into `room`: the person invited.
    pub async fn invite(&self, room: &str, user: &str) -> Result<UserRef, ApiError> {
        let body = wire::object(&[("user", Some(user))]);
        wire::user(&self.post(&format!("/rooms/{}/invite", encode(room)), body).await?).ok_or_else(invalid)
    }

    /// The room's members, online first (`GET /rooms/{id}/members`).
    pub async fn members(&self, room: &str) -> Result<Vec<Member>, ApiError> {
        Ok(wire::members(&self.get(&format!("/rooms/{}/members", encode(room))).await?))
    }

    pub async fn users(&self, query: &str) -> Result<Vec<UserRef>, ApiError> {
        Ok(wire::users(&self.get(&format!("/users?limit=8&query={}", encode(query))).await?, "users"))
    }

    /// The newest page (`None`), older than `before`, or newer than `after`;
    /// with `changes`, also the messages changed since that change number.
    pub async fn messages(
        &self,
        room: &str,
        before: Option<&str>,
        after: Option<&str>,
        changes: Option<u64>,
    ) -> Result<Page, ApiError> {
        let mut path = format!("/rooms/{}/messages?limit=50", encode(room));
        if let Some(changes) = changes {
            path.push_str("&changes=");
            path.push_str(&changes.to_string());
        }
        if let Some(before) = before {
            path.push_str("&before=");
            path.push_str(&encode(before));
        }
        if let Some(after) = after {
            path.push_str("&after=");
            path.push_str(&encode(after));
        }
        Ok(wire::page(&self.get(&path).await?))
    }

    /// The page of history around message `id` (a search result).
    pub async fn around(&self, room: &str, id: &str) -> Result<Page, ApiError> {
        Ok(wire::page(&self.get(&format!("/rooms/{}/messages?limit=50&around={}", encode(room), encode(id))).await?))
    }

    pub async fn send(&self, pending: &Pending) -> Result<Message, ApiError> {
        let body = wire::object(&[
            ("client_id", Some(pending.client_id.as_str())),
            ("text", Some(pending.text.as_str())),
            ("image_key", pending.image_key.as_deref()),
            ("reply_to", pending.reply_to.as_ref().map(|quote| quote.id.as_str())),
        ]);
        wire::message(&self.post(&format!("/rooms/{}/messages", encode(&pending.room)), body).await?).ok_or_else(invalid)
    }

    /// An upload ticket (`POST /uploads`); read by `upload::ticket`.
    pub async fn upload_ticket(&self, room: &str, content_type: &str, size: f64) -> Result<JsValue, ApiError> {
        // `size` is a JSON number, which `wire::object` (strings only) cannot write.
        let body = js_sys::Object::new();
        for (name, value) in [("room", JsValue::from_str(room)), ("content_type", JsValue::from_str(content_type)), ("size", JsValue::from_f64(size))] {
            let _ = js_sys::Reflect::set(&body, &JsValue::from_str(name), &value);
        }
        let body = js_sys::JSON::stringify(&body).map(String::from).unwrap_or_default();
        self.post("/uploads", body).await
    }

    /// The author's mood of one's own message (`None`: back to the model's).
    pub async fn set_mood(&self, room: &str, message_id: &str, mood: Option<Mood>) -> Result<Message, ApiError> {
        let path = format!("/rooms/{}/messages/{}/mood", encode(room), encode(message_id));
        let text = match mood {
            Some(mood) => self.call(Method::PUT, &path, Some(wire::object(&[("mood", Some(mood.as_str()))]))).await?,
            None => self.call(Method::DELETE, &path, None).await?,
        };
        wire::message(&wire::parse(&text)).ok_or_else(invalid)
    }

    /// Edits one's own message (`text`) or, with `None`, unsends it.
    pub async fn change_message(&self, room: &str, message_id: &str, text: Option<&str>) -> Result<Message, ApiError> {
        let path = format!("/rooms/{}/messages/{}", encode(room), encode(message_id));
        let text = match text {
            Some(text) => self.call(Method::PUT, &path, Some(wire::object(&[("text", Some(text))]))).await?,
            None => self.call(Method::DELETE, &path, None).await?,
        };
        wire::message(&wire::parse(&text)).ok_or_else(invalid)
    }

    /// One's reaction `emoji` on a message on (`on`) or off: the message as
    /// it now is (docs/protocol.md, "Reactions").
    pub async fn react(&self, room: &str, message_id: &str, emoji: &str, on: bool) -> Result<Message, ApiError> {
        let path = format!("/rooms/{}/messages/{}/reactions", encode(room), encode(message_id));
        let body = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&body, &JsValue::from_str("emoji"), &JsValue::from_str(emoji));
        let _ = js_sys::Reflect::set(&body, &JsValue::from_str("on"), &JsValue::from_bool(on));
        let body = js_sys::JSON::stringify(&body).map(String::from).unwrap_or_default();
        let text = self.call(Method::PUT, &path, Some(body)).await?;
        wire::message(&wire::parse(&text)).ok_or_else(invalid)
    }

    pub async fn mark_read(&self, room: &str, message_id: &str) -> Result<(), ApiError> {
        let body = wire::object(&[("message_id", Some(message_id))]);
        self.call(Method::POST, &format!("/rooms/{}/read", encode(room)), Some(body)).await.map(|_| ())
    }
}

/// A 2xx answer that is not the documented shape.
fn invalid() -> ApiError {
    ApiError::Status(200, "invalid".into())
}
