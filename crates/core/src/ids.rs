//! ULID message ids: 48-bit millisecond timestamp + 80 random bits, Crockford
//! base32. Monotonic within a process: ids made in the same millisecond (or
//! after the wall clock stepped back) increment the previous one, so ids are
//! strictly increasing in the order they were made. That order is what
//! clients sort by and what `since`/cursors compare.

use std::sync::Mutex;

use crate::ports::{Clock, IdGenerator};

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const ULID_LEN: usize = 26;

pub fn encode_ulid(value: u128) -> String {
    let mut out = [0u8; ULID_LEN];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 5 * (ULID_LEN - 1 - i);
        *slot = CROCKFORD[((value >> shift) & 0x1f) as usize];
    }
    String::from_utf8(out.to_vec()).expect("alphabet is ASCII")
}

/// Parses a canonical (upper-case) ULID. Lower case is accepted and
/// normalised; anything else, including values over 128 bits, is `None`.
pub fn decode_ulid(text: &str) -> Option<u128> {
    if text.len() != ULID_LEN {
        return None;
    }
    let mut value: u128 = 0;
    for (i, byte) in text.bytes().enumerate() {
        let digit = CROCKFORD.iter().position(|&c| c == byte.to_ascii_uppercase())? as u128;
        // The first character carries only 3 bits (26 * 5 = 130 > 128).
        if i == 0 && digit > 7 {
            return None;
        }
        value = (value << 5) | digit;
    }
    Some(value)
}

pub fn is_ulid(text: &str) -> bool {
    decode_ulid(text).is_some()
}

/// The process-wide monotonic ULID generator.
pub struct UlidGenerator<C> {
    clock: C,
    last: Mutex<u128>,
}

impl<C: Clock> UlidGenerator<C> {
    pub fn new(clock: C) -> Self {
        Self { clock, last: Mutex::new(0) }
    }
}

impl<C: Clock> IdGenerator for UlidGenerator<C> {
    fn next_id(&self) -> String {
        let millis = self.clock.now_ms().max(0) as u128 & ((1 << 48) - 1);
        let mut last = self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let next = if millis > *last >> 80 {
            let mut random = [0u8; 16];
            getrandom::fill(&mut random[6..]).expect("the OS random source works");
            // Clear the top random bit so that ~2^79 increments fit in the
            // same millisecond before the timestamp part would be touched.
            random[6] &= 0x7f;
            (millis << 80) | u128::from_be_bytes(random)
        } else {
            *last + 1
        };
        *last = next;
        encode_ulid(next)
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
