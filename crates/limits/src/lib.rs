//! Rate limits and quotas shared by the embedded identity provider and the
//! moodchat server: a [`Rate`] ("10/hour", "256MiB/day") as flags spell it,
//! a [`KeyedLimiter`] that refuses with the time to wait ([`RetryAfter`]),
//! and the [`ClientAddress`] a request came from, as a limit key.

mod client;
mod keyed;
mod rate;

pub use client::ClientAddress;
pub use keyed::{KeyedLimiter, RetryAfter};
pub use rate::{ParseRateError, Rate};
