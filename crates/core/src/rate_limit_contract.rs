//! The contract of `RateLimiter`, as tests every adapter runs: the in-process
//! limiter here, a DynamoDB one later. What the edge and the REST router rely
//! on: a budget is spent exactly, concurrent takes never overspend it, a
//! refusal says when to come back, and every key and every limit has a
//! budget of its own. An adapter's test calls `rate_limit_contract_tests!`
//! with a way to build a limiter for given rates and to run a future.

use std::time::Duration;

use futures_util::future::join_all;

use crate::rate_limit::{Limited, Rate, RateLimiter, RateLimits};

const HOUR: Duration = Duration::from_secs(3600);

/// `count` an hour for every limit: nothing refills during a test.
pub fn hourly(count: u32) -> RateLimits {
    let rate = Rate::per(count, HOUR);
    RateLimits { frames: rate, sends: rate, direct_conversations: rate, upload_tickets: rate, searches: rate, invitations: rate }
}

/// One `#[test]` per contract check.
#[macro_export]
macro_rules! rate_limit_contract_tests {
    ($make:expr, $block_on:expr) => {
        $crate::rate_limit_contract_tests!(@each $make, $block_on,
            a_burst_is_allowed_then_refused_with_when_to_retry,
            keys_and_limits_have_budgets_of_their_own,
            concurrent_takes_never_overspend);
    };
    (@each $make:expr, $block_on:expr, $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                ($block_on)($crate::rate_limit_contract::$name(&$make));
            }
        )*
    };
}

pub async fn a_burst_is_allowed_then_refused_with_when_to_retry<L: RateLimiter>(make: &impl Fn(RateLimits) -> L) {
    let limiter = make(hourly(3));
    for n in 0..3 {
        assert!(limiter.take(Limited::Sends, "sub-ada").await.is_ok(), "take {n} of a budget of 3");
    }
    let refused = limiter.take(Limited::Sends, "sub-ada").await.expect_err("the fourth is over the budget");
    assert_eq!(refused.limit, Limited::Sends);
    assert!(
        refused.retry_after > Duration::ZERO && refused.retry_after <= HOUR,
        "retry after {:?}: within the window",
        refused.retry_after
    );
    assert!(refused.retry_after_secs() >= 1);
}

pub async fn keys_and_limits_have_budgets_of_their_own<L: RateLimiter>(make: &impl Fn(RateLimits) -> L) {
    let limiter = make(hourly(1));
    assert!(limiter.take(Limited::Frames, "c-1").await.is_ok());
    assert!(limiter.take(Limited::Frames, "c-1").await.is_err(), "c-1's frame spent");
    assert!(limiter.take(Limited::Frames, "c-2").await.is_ok(), "another connection");
    for limit in [Limited::Sends, Limited::DirectConversations, Limited::UploadTickets, Limited::Searches, Limited::Invitations] {
        // The same key under another limit: connection ids and subs never
        // share a budget, nor do two limits of one user.
        assert!(limiter.take(limit, "c-1").await.is_ok(), "{limit:?}");
        assert!(limiter.take(limit, "c-1").await.is_err(), "{limit:?} spent");
    }
}

/// Many instances charging one user at once (Lambdas, or tasks of one
/// server): exactly the budget is granted.
pub async fn concurrent_takes_never_overspend<L: RateLimiter>(make: &impl Fn(RateLimits) -> L) {
    let limiter = make(hourly(5));
    let takes = (0..40).map(|_| limiter.take(Limited::Sends, "sub-bo"));
    let granted = join_all(takes).await.into_iter().filter(Result::is_ok).count();
    assert_eq!(granted, 5);
}
