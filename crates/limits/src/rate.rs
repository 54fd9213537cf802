//! `N/window`: at most N in any window, N at once after a quiet window. The
//! text form is what the server's flags take: a count with an optional binary
//! size suffix (`K`, `M`, `G`, with or without `iB`) for byte quotas, a slash,
//! and a window: a unit (`s`, `min`, `hour`, `day`) with an optional count in
//! front (`10/15min`).

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

/// At most `count` per `window` (a token bucket of `count` tokens refilled
/// over `window`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub count: NonZeroU32,
    pub window: Duration,
}

impl Rate {
    /// `count` per `window`; `None` when either is zero.
    pub fn new(count: u32, window: Duration) -> Option<Rate> {
        let count = NonZeroU32::new(count)?;
        (!window.is_zero()).then_some(Rate { count, window })
    }

    /// For constants: panics on zero.
    pub const fn per(count: u32, window: Duration) -> Rate {
        match NonZeroU32::new(count) {
            Some(count) if !window.is_zero() => Rate { count, window },
            _ => panic!("a rate needs a count and a window"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseRateError(String);

impl fmt::Display for ParseRateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseRateError {}

const UNITS: [(&str, u64); 9] = [
    ("s", 1),
    ("sec", 1),
    ("second", 1),
    ("min", 60),
    ("minute", 60),
    ("h", 3600),
    ("hour", 3600),
    ("d", 86_400),
    ("day", 86_400),
];

const SIZES: [(&str, u64); 6] =
    [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)];

impl FromStr for Rate {
    type Err = ParseRateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ParseRateError(format!("{text:?} is not a rate like 10/hour, 30/15min or 256MiB/day"));
        let (count, window) = text.trim().split_once('/').ok_or_else(bad)?;
        let count = parse_count(count.trim()).ok_or_else(bad)?;
        let window = parse_window(window.trim()).ok_or_else(bad)?;
        let count = u32::try_from(count).map_err(|_| ParseRateError(format!("{text:?}: at most {} per window", u32::MAX)))?;
        Rate::new(count, window).ok_or_else(|| ParseRateError(format!("{text:?}: count and window must not be zero")))
    }
}

fn parse_count(text: &str) -> Option<u64> {
    let (digits, multiplier) = SIZES
        .iter()
        .find_map(|(suffix, multiplier)| text.strip_suffix(suffix).map(|digits| (digits, *multiplier)))
        .unwrap_or((text, 1));
    digits.trim().parse::<u64>().ok()?.checked_mul(multiplier)
}

fn parse_window(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (amount, unit) = text.split_at(split);
    let amount = if amount.is_empty() { 1 } else { amount.parse::<u64>().ok()? };
    let unit = unit.trim();
    let unit = unit.strip_suffix('s').filter(|stem| stem.len() > 1).unwrap_or(unit);
    let seconds = UNITS.iter().find(|(name, _)| *name == unit)?.1;
    Some(Duration::from_secs(amount.checked_mul(seconds)?))
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.window.as_secs();
        let window = match secs {
            86_400 => "day".to_owned(),
            3600 => "hour".to_owned(),
            60 => "min".to_owned(),
            1 => "s".to_owned(),
            s if s % 86_400 == 0 => format!("{}day", s / 86_400),
            s if s % 3600 == 0 => format!("{}hour", s / 3600),
            s if s % 60 == 0 => format!("{}min", s / 60),
            s => format!("{s}s"),
        };
        write!(f, "{}/{window}", self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(text: &str) -> Rate {
        text.parse().unwrap()
    }

    #[test]
    fn counts_and_windows_as_flags_spell_them() {
        assert_eq!(rate("10/hour"), Rate::per(10, Duration::from_secs(3600)));
        assert_eq!(rate("30/15min"), Rate::per(30, Duration::from_secs(900)));
        assert_eq!(rate(" 5 / s "), Rate::per(5, Duration::from_secs(1)));
        assert_eq!(rate("2/days"), Rate::per(2, Duration::from_secs(86_400)));
        assert_eq!(rate("256MiB/day"), Rate::per(256 << 20, Duration::from_secs(86_400)));
        assert_eq!(rate("64K/min"), Rate::per(64 << 10, Duration::from_secs(60)));
    }

    #[test]
    fn nonsense_zero_and_overflow_are_refused() {
        for text in ["", "10", "10/", "/hour", "x/hour", "10/fortnight", "0/hour", "10/0s", "8GiB/hour", "-1/s"] {
            assert!(text.parse::<Rate>().is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn display_parses_back() {
        for text in ["10/hour", "30/15min", "5/s", "7/90s", "3/2day"] {
            assert_eq!(rate(&rate(text).to_string()), rate(text), "{text}");
        }
    }
}
