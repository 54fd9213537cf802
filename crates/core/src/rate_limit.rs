//! Rate limits as a port. The core decides what is limited and by which key
//! (frames per connection, sends and quotas per user) and what the defaults
//! are; a `RateLimiter` keeps the counts. In one process that is memory
//! (`LocalRateLimiter`, GCRA buckets through moodchat-limits and governor);
//! a deployment of stateless functions keeps them where every instance sees
//! them (DynamoDB on AWS), or a client could spread its frames over
//! instances and never be limited.

use std::time::Duration;

use async_trait::async_trait;
use moodchat_limits::KeyedLimiter;
use moodchat_protocol::limits::{
    REST_SENDS_BURST, REST_SENDS_PER_SECOND, SEARCHES_BURST, SEARCHES_PER_SECOND, WS_FRAMES_BURST, WS_FRAMES_PER_SECOND,
};
use moodchat_protocol::{ApiError, ErrorCode};

pub use moodchat_limits::Rate;

const HOUR: Duration = Duration::from_secs(60 * 60);

/// What a limit counts, and so what its key is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limited {
    /// Frames on one WebSocket connection; key: the connection id.
    Frames,
    /// REST sends and mood changes of one user; key: the user's `sub`.
    Sends,
    /// Direct conversations one user opens; key: `sub`.
    DirectConversations,
    /// Image upload tickets one user asks for; key: `sub`.
    UploadTickets,
    /// Searches of one user (`GET /api/search`); key: `sub`.
    Searches,
    /// People one user invites into rooms; key: `sub`.
    Invitations,
}

impl Limited {
    /// The refusal's message, naming what is limited.
    fn what(self) -> &'static str {
        match self {
            Limited::Frames => "too many frames; slow down",
            Limited::Sends => "too many messages; slow down",
            Limited::DirectConversations => "opening direct conversations is limited per user; try again later",
            Limited::UploadTickets => "upload tickets are limited per user; try again later",
            Limited::Searches => "too many searches; slow down",
            Limited::Invitations => "invitations are limited per user; try again later",
        }
    }
}

/// Over a limit: the request would conform after `retry_after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttled {
    pub limit: Limited,
    pub retry_after: Duration,
}

impl Throttled {
    /// Whole seconds, rounded up, at least 1: the `Retry-After` header value.
    pub fn retry_after_secs(&self) -> u64 {
        moodchat_limits::RetryAfter(self.retry_after).secs()
    }

    /// The protocol's `rate_limited` error (HTTP 429).
    pub fn error(&self) -> ApiError {
        ApiError::new(ErrorCode::RateLimited, self.limit.what())
    }
}

/// Keeps the counts of every limit. `take` charges one to `key`'s budget of
/// `limit`, or says how long to wait without charging anything.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    async fn take(&self, limit: Limited, key: &str) -> Result<(), Throttled>;
}

/// The rate of each limit; `Default` is what docs/protocol.md ("Limits") and
/// docs/security.md list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    pub frames: Rate,
    pub sends: Rate,
    pub direct_conversations: Rate,
    pub upload_tickets: Rate,
    pub searches: Rate,
    pub invitations: Rate,
}

impl RateLimits {
    /// `burst` at once, refilled at `per_second`.
    pub const fn burst_then(burst: u32, per_second: u32) -> Rate {
        Rate::per(burst, Duration::from_millis(burst as u64 * 1000 / per_second as u64))
    }

    pub fn rate(&self, limit: Limited) -> Rate {
        match limit {
            Limited::Frames => self.frames,
            Limited::Sends => self.sends,
            Limited::DirectConversations => self.direct_conversations,
            Limited::UploadTickets => self.upload_tickets,
            Limited::Searches => self.searches,
            Limited::Invitations => self.invitations,
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            frames: Self::burst_then(WS_FRAMES_BURST, WS_FRAMES_PER_SECOND),
            sends: Self::burst_then(REST_SENDS_BURST, REST_SENDS_PER_SECOND),
            direct_conversations: Rate::per(30, HOUR),
            upload_tickets: Rate::per(120, HOUR),
            searches: Self::burst_then(SEARCHES_BURST, SEARCHES_PER_SECOND),
            invitations: Rate::per(60, HOUR),
        }
    }
}

/// The limiter of one process: a keyed GCRA bucket per limit, in memory.
pub struct LocalRateLimiter {
    frames: KeyedLimiter<String>,
    sends: KeyedLimiter<String>,
    direct_conversations: KeyedLimiter<String>,
    upload_tickets: KeyedLimiter<String>,
    searches: KeyedLimiter<String>,
    invitations: KeyedLimiter<String>,
}

impl LocalRateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            frames: KeyedLimiter::new(limits.frames),
            sends: KeyedLimiter::new(limits.sends),
            direct_conversations: KeyedLimiter::new(limits.direct_conversations),
            upload_tickets: KeyedLimiter::new(limits.upload_tickets),
            searches: KeyedLimiter::new(limits.searches),
            invitations: KeyedLimiter::new(limits.invitations),
        }
    }

    fn limiter(&self, limit: Limited) -> &KeyedLimiter<String> {
        match limit {
            Limited::Frames => &self.frames,
            Limited::Sends => &self.sends,
            Limited::DirectConversations => &self.direct_conversations,
            Limited::UploadTickets => &self.upload_tickets,
            Limited::Searches => &self.searches,
            Limited::Invitations => &self.invitations,
        }
    }
}

impl Default for LocalRateLimiter {
    fn default() -> Self {
        Self::new(RateLimits::default())
    }
}

#[async_trait]
impl RateLimiter for LocalRateLimiter {
    async fn take(&self, limit: Limited, key: &str) -> Result<(), Throttled> {
        self.limiter(limit)
            .check(&key.to_owned())
            .map_err(|moodchat_limits::RetryAfter(retry_after)| Throttled { limit, retry_after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::block_on;

    #[test]
    fn the_defaults_are_the_documented_bursts_and_rates() {
        let limits = RateLimits::default();
        assert_eq!(limits.frames, Rate::per(20, Duration::from_secs(2)), "20 at once, 10 a second");
        assert_eq!(limits.sends, Rate::per(20, Duration::from_secs(2)));
    }

    #[test]
    fn each_limit_and_each_key_has_its_own_budget() {
        block_on(async {
            let one_an_hour = Rate::per(1, HOUR);
            let limiter = LocalRateLimiter::new(RateLimits {
                frames: one_an_hour,
                sends: one_an_hour,
                direct_conversations: one_an_hour,
                upload_tickets: one_an_hour,
                searches: one_an_hour,
                invitations: one_an_hour,
            });
            assert!(limiter.take(Limited::Sends, "alice").await.is_ok());
            let refused = limiter.take(Limited::Sends, "alice").await.unwrap_err();
            assert_eq!(refused.limit, Limited::Sends);
            assert!(refused.retry_after > Duration::from_secs(3500), "{refused:?}");
            assert_eq!(refused.error().code, ErrorCode::RateLimited);
            assert!(limiter.take(Limited::Sends, "bob").await.is_ok(), "another key");
            assert!(limiter.take(Limited::Frames, "alice").await.is_ok(), "another limit");
        });
    }
}
