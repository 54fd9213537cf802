//! Token buckets: `burst` tokens, refilled at `per_second`. Pure (time is
//! passed in) so the policy is testable and the same on every deployment.

use std::collections::HashMap;
use std::sync::Mutex;

use moodchat_protocol::limits::{REST_SENDS_BURST, REST_SENDS_PER_SECOND, WS_FRAMES_BURST, WS_FRAMES_PER_SECOND};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    pub burst: u32,
    pub per_second: f64,
}

impl RateLimit {
    /// Frames per WebSocket connection (docs/protocol.md, "Limits").
    pub const WS_FRAMES: RateLimit = RateLimit { burst: WS_FRAMES_BURST, per_second: WS_FRAMES_PER_SECOND as f64 };
    /// REST sends per user.
    pub const REST_SENDS: RateLimit =
        RateLimit { burst: REST_SENDS_BURST, per_second: REST_SENDS_PER_SECOND as f64 };
}

#[derive(Clone, Debug)]
pub struct TokenBucket {
    limit: RateLimit,
    tokens: f64,
    updated_ms: i64,
}

impl TokenBucket {
    pub fn new(limit: RateLimit, now_ms: i64) -> Self {
        Self { limit, tokens: f64::from(limit.burst), updated_ms: now_ms }
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, now_ms: i64) -> bool {
        // A clock that steps back refills nothing rather than panicking.
        let elapsed_ms = (now_ms - self.updated_ms).max(0);
        self.updated_ms = self.updated_ms.max(now_ms);
        self.tokens =
            (self.tokens + elapsed_ms as f64 * self.limit.per_second / 1000.0).min(f64::from(self.limit.burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// One bucket per key (a user), for limits that outlive a connection.
pub struct KeyedRateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, TokenBucket>>,
}

impl KeyedRateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self { limit, buckets: Mutex::new(HashMap::new()) }
    }

    pub fn try_take(&self, key: &str, now_ms: i64) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Full buckets carry no state worth keeping; drop them now and then so
        // the map does not grow with every user ever seen.
        if buckets.len() > 10_000 {
            let limit = self.limit;
            buckets.retain(|_, bucket| {
                let mut probe = bucket.clone();
                probe.try_take(now_ms);
                probe.tokens + 1.0 < f64::from(limit.burst)
            });
        }
        buckets
            .entry(key.to_string())
            .or_insert_with(|| TokenBucket::new(self.limit, now_ms))
            .try_take(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_the_sustained_rate() {
        let mut bucket = TokenBucket::new(RateLimit { burst: 3, per_second: 2.0 }, 0);
        assert!((0..3).all(|_| bucket.try_take(0)));
        assert!(!bucket.try_take(0), "burst exhausted");
        assert!(!bucket.try_take(400), "0.8 tokens after 400 ms");
        assert!(bucket.try_take(500), "1 token after 500 ms");
        assert!(bucket.try_take(10_000));
        assert!(bucket.try_take(10_000) && bucket.try_take(10_000));
        assert!(!bucket.try_take(10_000), "refill is capped at the burst");
    }

    #[test]
    fn a_clock_stepping_back_does_not_refill() {
        let mut bucket = TokenBucket::new(RateLimit { burst: 1, per_second: 1.0 }, 5_000);
        assert!(bucket.try_take(5_000));
        assert!(!bucket.try_take(1_000));
    }

    #[test]
    fn keyed_buckets_are_independent() {
        let limiter = KeyedRateLimiter::new(RateLimit { burst: 1, per_second: 0.001 });
        assert!(limiter.try_take("alice", 0));
        assert!(!limiter.try_take("alice", 0));
        assert!(limiter.try_take("bob", 0));
    }
}
