//! The rate limiter contract (`moodchat_core::rate_limit_contract`) on the
//! in-process limiter the embedded server uses.

moodchat_core::rate_limit_contract_tests!(moodchat_core::rate_limit::LocalRateLimiter::new, futures_executor::block_on);
