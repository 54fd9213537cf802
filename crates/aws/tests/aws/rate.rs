//! The table's rate counters (docs/aws.md, "rate limits"), as two function
//! instances would share them: concurrent charges never pass the limit, a
//! refusal says when the next window starts, windows and subjects are apart.

use std::time::Duration;

use futures_util::future::join_all;
use moodchat_aws::dynamo::rate::{TableRateCounter, Window};

use super::support;

const FRAMES: Window = Window { count: 20, window: Duration::from_secs(2) };

#[test]
fn concurrent_charges_from_two_instances_never_pass_the_limit() {
    let table = support::fresh_table();
    let (one, two) = (TableRateCounter::new(table.clone()), TableRateCounter::new(table));
    support::block_on(async {
        let now = 1_000_000;
        let charges = (0..50).map(|i| {
            let counter = if i % 2 == 0 { &one } else { &two };
            counter.take("frames", "c-1", FRAMES, now + i)
        });
        let outcomes: Vec<_> = join_all(charges).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 20, "exactly the limit passes");
        let refused = one.take("frames", "c-1", FRAMES, now + 500).await.unwrap().unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_millis(1_500), "until the next window starts");
        assert!(one.take("frames", "c-2", FRAMES, now + 500).await.unwrap().is_ok(), "another subject counts apart");
        assert!(two.take("sends", "c-1", FRAMES, now + 500).await.unwrap().is_ok(), "another scope counts apart");
        assert!(two.take("frames", "c-1", FRAMES, now + 2_000).await.unwrap().is_ok(), "the next window is fresh");
    });
}

/// The core's `RateLimiter` contract on the table's counters, at a fixed
/// time so that no window ends during a test.
mod limiter_contract {
    use std::sync::Arc;

    use moodchat_aws::dynamo::rate::TableRateLimiter;
    use moodchat_core::ports::Clock;
    use moodchat_core::rate_limit::RateLimits;

    use super::support;

    struct FixedClock;

    impl Clock for FixedClock {
        fn now_ms(&self) -> i64 {
            1_000_000
        }
    }

    /// The contract builds its limiter inside the test's future, where
    /// `fresh_table` (which blocks on the runtime) cannot run: it runs on a
    /// thread of its own.
    fn limiter(limits: RateLimits) -> TableRateLimiter {
        let table = std::thread::spawn(support::fresh_table).join().expect("a fresh table");
        TableRateLimiter::new(table, limits, Arc::new(FixedClock))
    }

    moodchat_core::rate_limit_contract_tests!(limiter, support::block_on);
}
