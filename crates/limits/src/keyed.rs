//! One GCRA bucket per key (a client address, a user, a user name), through
//! `governor`. A refusal carries the time until the request would conform,
//! for `Retry-After`. Keys whose buckets are full again are forgotten now and
//! then, so the map holds only recently active keys.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::Rate;

/// Every this many checks, keys with full buckets are dropped.
const HOUSEKEEPING_EVERY: u32 = 4096;

/// Over the limit: try again after this long (at least a second, as
/// `Retry-After` counts whole seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds, rounded up, at least 1: the `Retry-After` header value.
    pub fn secs(self) -> u64 {
        (self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)).max(1)
    }
}

pub struct KeyedLimiter<K: Hash + Eq + Clone> {
    rate: Rate,
    limiter: DefaultKeyedRateLimiter<K>,
    clock: DefaultClock,
    checks: AtomicU32,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    pub fn new(rate: Rate) -> Self {
        // Rate guarantees a non-zero window and count, and window / count is
        // at least a nanosecond for any window of a second or more.
        let period = (rate.window / rate.count.get()).max(Duration::from_nanos(1));
        let quota = Quota::with_period(period).expect("non-zero period").allow_burst(rate.count);
        Self { rate, limiter: DefaultKeyedRateLimiter::keyed(quota), clock: DefaultClock::default(), checks: AtomicU32::new(0) }
    }

    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Takes one from `key`'s bucket.
    pub fn check(&self, key: &K) -> Result<(), RetryAfter> {
        self.check_n(key, 1)
    }

    /// Takes `n` from `key`'s bucket (bytes, for a byte quota). More than the
    /// whole bucket holds never conforms: wait a full window, and the request
    /// still will not fit; callers refuse such sizes on their own terms first.
    pub fn check_n(&self, key: &K, n: u32) -> Result<(), RetryAfter> {
        self.housekeeping();
        let Some(n) = NonZeroU32::new(n) else { return Ok(()) };
        match self.limiter.check_key_n(key, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(RetryAfter(not_until.wait_time_from(self.clock.now()))),
            Err(_insufficient_capacity) => Err(RetryAfter(self.rate.window)),
        }
    }

    /// How many keys are remembered (for tests and memory accounting).
    pub fn len(&self) -> usize {
        self.limiter.len()
    }

    pub fn is_empty(&self) -> bool {
        self.limiter.is_empty()
    }

    fn housekeeping(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % HOUSEKEEPING_EVERY == HOUSEKEEPING_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_a_refusal_that_says_when() {
        let limiter = KeyedLimiter::new(Rate::per(3, Duration::from_secs(60)));
        assert!((0..3).all(|_| limiter.check(&"a").is_ok()));
        let RetryAfter(wait) = limiter.check(&"a").unwrap_err();
        assert!(wait > Duration::from_secs(15) && wait <= Duration::from_secs(20), "{wait:?}");
        assert!(limiter.check(&"b").is_ok(), "keys are independent");
    }

    #[test]
    fn byte_quotas_take_many_at_once_and_never_more_than_the_bucket() {
        let limiter = KeyedLimiter::new(Rate::per(1000, Duration::from_secs(3600)));
        assert!(limiter.check_n(&1, 600).is_ok());
        assert!(limiter.check_n(&1, 600).is_err());
        assert!(limiter.check_n(&1, 400).is_ok());
        assert_eq!(limiter.check_n(&2, 1001), Err(RetryAfter(Duration::from_secs(3600))));
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        assert_eq!(RetryAfter(Duration::from_millis(1)).secs(), 1);
        assert_eq!(RetryAfter(Duration::from_millis(2001)).secs(), 3);
        assert_eq!(RetryAfter(Duration::ZERO).secs(), 1);
    }

    #[test]
    fn full_buckets_are_forgotten() {
        let limiter = KeyedLimiter::new(Rate::per(1, Duration::from_nanos(1000)));
        for key in 0..HOUSEKEEPING_EVERY * 2 {
            limiter.check(&key).unwrap();
        }
        assert!(limiter.len() < HOUSEKEEPING_EVERY as usize * 2, "{} keys kept", limiter.len());
    }
}
