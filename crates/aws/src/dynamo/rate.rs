//! Rate limits counted in the table, where every function instance sees
//! them (docs/aws.md: `RATE#<scope>#<subject>` / `W#<window start>`): fixed
//! windows, one conditional `UpdateItem ADD count :1 IF count < :limit` per
//! charge, the item expiring a minute after its window. In memory each
//! instance would count alone, and a client spreading its frames over
//! instances would never be limited.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use moodchat_core::ports::Clock;
use moodchat_core::rate_limit::{Limited, RateLimiter, RateLimits, Throttled};
use moodchat_protocol::ApiError;

use super::attrs::{n, s};
use super::store::is_condition_failure;
use super::{failed, Table};

/// A limit: at most `count` charges per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub count: u32,
    pub window: Duration,
}

/// Over the limit: the next window starts after this long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverLimit {
    pub retry_after: Duration,
}

/// Expired counters linger this long past their window (DynamoDB's TTL).
const KEEP_AFTER_WINDOW_MS: i64 = 60_000;

#[derive(Clone, Debug)]
pub struct TableRateCounter {
    table: Table,
}

impl TableRateCounter {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// Charges one to `subject`'s count of `scope` in the window `now_ms`
    /// falls in; refused (and nothing charged) when it is full.
    pub async fn take(&self, scope: &str, subject: &str, limit: Window, now_ms: i64) -> Result<Result<(), OverLimit>, ApiError> {
        let window_ms = (limit.window.as_millis() as i64).max(1);
        let start = now_ms - now_ms.rem_euclid(window_ms);
        let end = start + window_ms;
        let outcome = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .key("PK", s(format!("RATE#{scope}#{subject}")))
            .key("SK", s(format!("W#{start}")))
            .update_expression("ADD #count :one SET expires_at = :expires")
            .condition_expression("attribute_not_exists(#count) OR #count < :limit")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":limit", n(limit.count))
            .expression_attribute_values(":expires", n((end + KEEP_AFTER_WINDOW_MS) / 1000))
            .send()
            .await;
        match outcome {
            Ok(_) => Ok(Ok(())),
            Err(error) if is_condition_failure(&error) => {
                Ok(Err(OverLimit { retry_after: Duration::from_millis((end - now_ms).max(1) as u64) }))
            }
            Err(error) => Err(failed("rate counter")(error)),
        }
    }
}

/// The core's `RateLimiter` port on the table's counters: each limit's rate
/// (`count` per `window`) becomes a fixed window of the same size, keyed by
/// the limit's name and its subject (a connection id or a `sub`).
pub struct TableRateLimiter {
    counter: TableRateCounter,
    limits: RateLimits,
    clock: Arc<dyn Clock>,
}

impl TableRateLimiter {
    pub fn new(table: Table, limits: RateLimits, clock: Arc<dyn Clock>) -> Self {
        Self { counter: TableRateCounter::new(table), limits, clock }
    }

    fn scope(limit: Limited) -> &'static str {
        match limit {
            Limited::Frames => "frames",
            Limited::Sends => "sends",
            Limited::DirectConversations => "direct",
            Limited::UploadTickets => "uploads",
            Limited::Searches => "searches",
            Limited::Invitations => "invitations",
        }
    }
}

#[async_trait]
impl RateLimiter for TableRateLimiter {
    /// If the table cannot be asked, the charge goes through: a rate limit is
    /// not worth refusing every request while DynamoDB has a bad moment.
    async fn take(&self, limit: Limited, key: &str) -> Result<(), Throttled> {
        let rate = self.limits.rate(limit);
        let window = Window { count: rate.count.get(), window: rate.window };
        match self.counter.take(Self::scope(limit), key, window, self.clock.now_ms()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(OverLimit { retry_after })) => Err(Throttled { limit, retry_after }),
            Err(error) => {
                tracing::error!(?error, ?limit, "the rate could not be counted; letting it through");
                Ok(())
            }
        }
    }
}
