//! Per-user quotas of the authenticated routes: upload tickets and direct
//! conversations opened (the chat's, counted by the core's rate limiter
//! port, see `ChatConfig::quotas`), uploads in count and bytes (the blob
//! routes', counted here). Keyed by the user's `sub`, so a quota follows the
//! account whatever the address.

use std::time::Duration;

use moodchat_core::rate_limit::RateLimits;
use moodchat_limits::{KeyedLimiter, Rate};

use super::Refused;

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
        let limits = RateLimits::default();
        Self { upload_tickets: limits.upload_tickets, direct_conversations: limits.direct_conversations }
    }
}

impl Default for UploadQuotaSettings {
    fn default() -> Self {
        Self { uploads: Rate::per(120, HOUR), upload_bytes: Rate::per(256 << 20, HOUR) }
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
