//! Per-user quotas of the authenticated routes: upload tickets and direct
//! conversations opened (the chat's), uploads in count and bytes (the blob
//! routes'). Keyed by the user's `sub`, so a quota follows the account
//! whatever the address.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use moodchat_limits::{KeyedLimiter, Rate};

use super::Refused;
use crate::chat::http::Caller;
use crate::chat::ChatState;

/// The chat routes' quotas; `Default` is what docs/security.md lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaSettings {
    /// `POST /api/uploads` per user.
    pub upload_tickets: Rate,
    /// `POST /api/dms` per user.
    pub direct_conversations: Rate,
}

/// The blob routes' quotas, per uploader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadQuotaSettings {
    /// `PUT /api/blobs/...` attempts.
    pub uploads: Rate,
    /// Bytes PUT, charged at the start of each PUT by the size its URL allows.
    pub upload_bytes: Rate,
}

const HOUR: Duration = Duration::from_secs(60 * 60);

impl Default for QuotaSettings {
    fn default() -> Self {
        Self { upload_tickets: Rate::per(120, HOUR), direct_conversations: Rate::per(30, HOUR) }
    }
}

impl Default for UploadQuotaSettings {
    fn default() -> Self {
        Self { uploads: Rate::per(120, HOUR), upload_bytes: Rate::per(256 << 20, HOUR) }
    }
}

pub struct UserQuotas {
    upload_tickets: KeyedLimiter<String>,
    direct_conversations: KeyedLimiter<String>,
}

impl UserQuotas {
    pub fn new(settings: &QuotaSettings) -> Self {
        Self {
            upload_tickets: KeyedLimiter::new(settings.upload_tickets),
            direct_conversations: KeyedLimiter::new(settings.direct_conversations),
        }
    }

    pub fn upload_ticket(&self, sub: &str) -> Result<(), Refused> {
        charge(&self.upload_tickets, sub, 1, "upload tickets")
    }

    pub fn direct_conversation(&self, sub: &str) -> Result<(), Refused> {
        charge(&self.direct_conversations, sub, 1, "opening direct conversations")
    }
}

pub struct UploadQuotas {
    uploads: KeyedLimiter<String>,
    upload_bytes: KeyedLimiter<String>,
}

impl UploadQuotas {
    pub fn new(settings: &UploadQuotaSettings) -> Self {
        Self { uploads: KeyedLimiter::new(settings.uploads), upload_bytes: KeyedLimiter::new(settings.upload_bytes) }
    }

    /// One upload of `bytes` (sizes are capped far below 4 GiB by
    /// `--max-upload-bytes`; anything larger counts as the whole quota).
    pub fn upload(&self, sub: &str, bytes: u64) -> Result<(), Refused> {
        charge(&self.uploads, sub, 1, "uploads")?;
        charge(&self.upload_bytes, sub, u32::try_from(bytes).unwrap_or(u32::MAX), "bytes uploaded")
    }
}

fn charge(limiter: &KeyedLimiter<String>, sub: &str, amount: u32, what: &str) -> Result<(), Refused> {
    limiter
        .check_n(&sub.to_owned(), amount)
        .map_err(|retry| Refused::new(retry, format!("{what} are limited to {} per user", limiter.rate())))
}

/// Route layer of `POST /api/dms`: authenticates (the handler then reuses
/// the identity, see `Caller`) and charges the caller's quota before the
/// handler runs.
pub async fn charge_direct_conversation(State(chat): State<ChatState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let who = match <Caller as axum::extract::FromRequestParts<ChatState>>::from_request_parts(&mut parts, &chat).await {
        Ok(Caller(who)) => who,
        Err(error) => return error.into_response(),
    };
    if let Err(refused) = chat.quotas().direct_conversation(&who.sub) {
        return refused.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}
