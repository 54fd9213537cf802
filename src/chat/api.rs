//! The chat's REST API (docs/protocol.md, "REST"). Every call goes through
//! one untyped request function and parses the body afterwards, so the
//! bundle has one copy of the HTTP code rather than one per endpoint.

use gloo_net::http::{Method, RequestBuilder};
use moodchat_protocol::rest::{CreateRoom, MarkRead, MessagePage, OpenDirect, RoomList, SendMessage, UserList};
use moodchat_protocol::{Message, Room};
use serde::de::DeserializeOwned;

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
            let code = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|body| body.get("code")?.as_str().map(str::to_owned))
                .unwrap_or_default();
            Err(ApiError::Status(status, code))
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let text = self.call(Method::GET, path, None).await?;
        serde_json::from_str(&text).map_err(|_| ApiError::Status(200, "invalid".into()))
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, body: String) -> Result<T, ApiError> {
        let text = self.call(Method::POST, path, Some(body)).await?;
        serde_json::from_str(&text).map_err(|_| ApiError::Status(200, "invalid".into()))
    }

    pub async fn rooms(&self) -> Result<RoomList, ApiError> {
        self.get("/rooms").await
    }

    pub async fn create_room(&self, name: &str) -> Result<Room, ApiError> {
        self.post("/rooms", json(&CreateRoom { name: name.to_owned() })).await
    }

    pub async fn join(&self, room: &str) -> Result<Room, ApiError> {
        self.post(&format!("/rooms/{}/join", encode(room)), String::new()).await
    }

    pub async fn open_direct(&self, user: &str) -> Result<Room, ApiError> {
        self.post("/dms", json(&OpenDirect { user: user.to_owned() })).await
    }

    pub async fn users(&self, query: &str) -> Result<UserList, ApiError> {
        self.get(&format!("/users?limit=8&query={}", encode(query))).await
    }

    /// The newest page (`None`), older than `before`, or newer than `after`.
    pub async fn messages(&self, room: &str, before: Option<&str>, after: Option<&str>) -> Result<MessagePage, ApiError> {
        let mut path = format!("/rooms/{}/messages?limit=50", encode(room));
        if let Some(before) = before {
            path.push_str("&before=");
            path.push_str(&encode(before));
        }
        if let Some(after) = after {
            path.push_str("&after=");
            path.push_str(&encode(after));
        }
        self.get(&path).await
    }

    pub async fn send(&self, room: &str, client_id: &str, text: &str) -> Result<Message, ApiError> {
        let body = SendMessage { client_id: client_id.to_owned(), text: Some(text.to_owned()), image_key: None };
        self.post(&format!("/rooms/{}/messages", encode(room)), json(&body)).await
    }

    pub async fn mark_read(&self, room: &str, message_id: &str) -> Result<(), ApiError> {
        let body = json(&MarkRead { message_id: message_id.to_owned() });
        self.call(Method::POST, &format!("/rooms/{}/read", encode(room)), Some(body)).await.map(|_| ())
    }
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
