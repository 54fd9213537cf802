//! The TIMESTAMP that SRP clients sign: `%a %b %-d %H:%M:%S UTC %Y`, e.g.
//! "Sat Nov 1 09:05:07 UTC 2025" (English names, day not zero-padded).
//!
//! The string is part of the signed message, so we verify the exact bytes the
//! client sent; parsing it only serves to check that it is close to our clock.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("Mon", Weekday::Monday),
    ("Tue", Weekday::Tuesday),
    ("Wed", Weekday::Wednesday),
    ("Thu", Weekday::Thursday),
    ("Fri", Weekday::Friday),
    ("Sat", Weekday::Saturday),
    ("Sun", Weekday::Sunday),
];

const MONTHS: [(&str, Month); 12] = [
    ("Jan", Month::January),
    ("Feb", Month::February),
    ("Mar", Month::March),
    ("Apr", Month::April),
    ("May", Month::May),
    ("Jun", Month::June),
    ("Jul", Month::July),
    ("Aug", Month::August),
    ("Sep", Month::September),
    ("Oct", Month::October),
    ("Nov", Month::November),
    ("Dec", Month::December),
];

/// Formats an instant the way Cognito SRP clients do (only our tests need
/// to produce one; the server only reads them).
#[cfg(test)]
pub fn format(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let weekday = WEEKDAYS
        .iter()
        .find(|(_, w)| *w == at.weekday())
        .map(|(n, _)| *n);
    let month = MONTHS
        .iter()
        .find(|(_, m)| *m == at.month())
        .map(|(n, _)| *n);
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        weekday.unwrap_or("Mon"),
        month.unwrap_or("Jan"),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.year()
    )
}

/// Parses a client TIMESTAMP. Accepts a zero-padded day too (some older
/// clients send "Feb 01"); rejects anything whose weekday disagrees with its
/// date, since such a string was not produced by a clock.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    let mut fields = text.split(' ');
    let weekday_name = fields.next()?;
    let month_name = fields.next()?;
    let day_text = fields.next()?;
    let clock_text = fields.next()?;
    let zone = fields.next()?;
    let year_text = fields.next()?;
    if fields.next().is_some() || zone != "UTC" {
        return None;
    }
    let weekday = WEEKDAYS.iter().find(|(n, _)| *n == weekday_name)?.1;
    let month = MONTHS.iter().find(|(n, _)| *n == month_name)?.1;
    let day: u8 = parse_digits(day_text, 1, 2)?;
    let year: i32 = parse_digits(year_text, 4, 4)?;
    let mut clock = clock_text.split(':');
    let hour: u8 = parse_digits(clock.next()?, 2, 2)?;
    let minute: u8 = parse_digits(clock.next()?, 2, 2)?;
    let second: u8 = parse_digits(clock.next()?, 2, 2)?;
    if clock.next().is_some() {
        return None;
    }
    let date = Date::from_calendar_date(year, month, day).ok()?;
    if date.weekday() != weekday {
        return None;
    }
    let time_of_day = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time_of_day).assume_utc())
}

fn parse_digits<T: std::str::FromStr>(text: &str, min_len: usize, max_len: usize) -> Option<T> {
    if text.len() < min_len || text.len() > max_len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_without_padding_the_day() {
        assert_eq!(
            format(datetime!(2025-11-01 09:05:07 UTC)),
            "Sat Nov 1 09:05:07 UTC 2025"
        );
        assert_eq!(
            format(datetime!(2025-02-10 18:30:12 UTC)),
            "Mon Feb 10 18:30:12 UTC 2025"
        );
    }

    #[test]
    fn parses_what_it_formats() {
        let at = datetime!(2024-02-29 23:59:59 UTC);
        assert_eq!(parse(&format(at)), Some(at));
        assert_eq!(
            parse("Sat Nov 01 09:05:07 UTC 2025"),
            Some(datetime!(2025-11-01 09:05:07 UTC))
        );
    }

    #[test]
    fn rejects_malformed_or_inconsistent_timestamps() {
        for bad in [
            "",
            "Sun Nov 1 09:05:07 UTC 2025", // Nov 1 2025 is a Saturday
            "Sat Nov 1 09:05:07 GMT 2025",
            "Sat Nov 1 9:05:07 UTC 2025",
            "Sat Nov 1 09:05:07 UTC 2025 ",
            "Sat Nov 31 09:05:07 UTC 2025",
            "Sat Nov 1 24:05:07 UTC 2025",
            "Sat Nov +1 09:05:07 UTC 2025",
            "Sat November 1 09:05:07 UTC 2025",
        ] {
            assert_eq!(parse(bad), None, "{bad:?} should be rejected");
        }
    }
}
