//! ULID message ids (the ulid crate): 48-bit millisecond timestamp + 80
//! random bits, Crockford base32. Monotonic within a process: ids made in the
//! same millisecond (or after the wall clock stepped back) increment the
//! previous one, so ids are strictly increasing in the order they were made.
//! Ids identify and de-duplicate messages; their order is the per-room seq
//! the store assigns, not this one.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ulid::{Generator, Ulid};

use crate::ports::{Clock, IdGenerator};

pub const ULID_LEN: usize = ulid::ULID_LEN;

pub fn encode_ulid(value: u128) -> String {
    Ulid(value).to_string()
}

/// Parses a canonical (upper-case) ULID. Lower case is accepted and
/// normalised; anything else, including values over 128 bits, is `None`.
pub fn decode_ulid(text: &str) -> Option<u128> {
    // The first character carries only 3 bits (26 * 5 = 130 > 128); the
    // crate's decoder would drop the excess silently.
    if !text.as_bytes().first().is_some_and(|first| (b'0'..=b'7').contains(first)) {
        return None;
    }
    Ulid::from_string(text).ok().map(|ulid| ulid.0)
}

pub fn is_ulid(text: &str) -> bool {
    decode_ulid(text).is_some()
}

/// A fresh ULID at `now_ms` whose 80 random bits come from a CSPRNG: not
/// the monotonic generator's next value, which is predictable.
pub fn random_ulid(now_ms: i64) -> String {
    Ulid::from_datetime(at(now_ms)).to_string()
}

fn at(now_ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(now_ms.max(0) as u64)
}

/// The process-wide monotonic ULID generator, on the service's clock.
pub struct UlidGenerator<C> {
    clock: C,
    generator: Mutex<Generator>,
}

impl<C: Clock> UlidGenerator<C> {
    pub fn new(clock: C) -> Self {
        Self { clock, generator: Mutex::new(Generator::new()) }
    }
}

impl<C: Clock> IdGenerator for UlidGenerator<C> {
    fn next_id(&self) -> String {
        let now = at(self.clock.now_ms());
        let mut generator = self.generator.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let id = match generator.generate_from_datetime(now) {
            Ok(id) => id,
            // 2^80 ids in one millisecond: carry into the next one.
            Err(overflow) => overflow.commit_overflow_increment(),
        };
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Clock;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    #[derive(Clone)]
    struct FixedClock(Arc<AtomicI64>);
    impl Clock for FixedClock {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    #[test]
    fn encodes_and_decodes_round_trip() {
        for value in [0u128, 1, u128::MAX, 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef] {
            let text = encode_ulid(value);
            assert_eq!(text.len(), 26);
            assert_eq!(decode_ulid(&text), Some(value));
        }
        assert_eq!(encode_ulid(u128::MAX), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
    }

    #[test]
    fn rejects_what_is_not_a_ulid() {
        assert!(!is_ulid("8ZZZZZZZZZZZZZZZZZZZZZZZZZ"), "overflows 128 bits");
        assert!(!is_ulid("01ARZ3NDEKTSV4RRFFQ69G5FA"), "too short");
        assert!(!is_ulid("01ARZ3NDEKTSV4RRFFQ69G5FAU"), "U is not Crockford");
        assert!(is_ulid("01arz3ndektsv4rrffq69g5fav"));
    }

    #[test]
    fn ids_increase_within_a_millisecond_and_when_the_clock_steps_back() {
        let time = Arc::new(AtomicI64::new(1_700_000_000_000));
        let ids = UlidGenerator::new(FixedClock(time.clone()));
        let mut previous = ids.next_id();
        for step in 0..1000 {
            if step == 500 {
                time.store(1_600_000_000_000, Ordering::SeqCst);
            }
            let next = ids.next_id();
            assert!(next > previous, "{next} after {previous}");
            previous = next;
        }
    }

    #[test]
    fn the_timestamp_is_the_clock_time() {
        let time = Arc::new(AtomicI64::new(1_700_000_000_123));
        let id = UlidGenerator::new(FixedClock(time)).next_id();
        assert_eq!(decode_ulid(&id).unwrap() >> 80, 1_700_000_000_123);
    }
}
