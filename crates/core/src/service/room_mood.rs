//! The mood of a room: how many messages showed each mood on each of the
//! last days (in the caller's time zone), and the moods of the newest
//! messages. Counting is the store's (`MessageStore::mood_counts`), the
//! days, their dates and who may look are decided here.

use moodchat_protocol::limits::{DEFAULT_MOOD_DAYS, MAX_MOOD_DAYS, MOOD_RECENT_MESSAGES};
use moodchat_protocol::rest::{MoodDay, RoomMood, RoomMoodQuery};
use moodchat_protocol::Mood;

use super::ChatService;
use crate::error::{bad_request, ChatResult};
use crate::ports::{HistorySlice, Identity, DAY_MS};

/// The widest offsets from UTC in use (Baker Island, Kiribati), in minutes.
const MAX_TZ_OFFSET_MIN: i32 = 14 * 60;

impl ChatService {
    /// Readable by whoever may read the room's history.
    pub async fn room_mood(&self, who: &Identity, room_id: &str, query: &RoomMoodQuery) -> ChatResult<RoomMood> {
        let days = query.days.unwrap_or(DEFAULT_MOOD_DAYS);
        if !(1..=MAX_MOOD_DAYS).contains(&days) {
            return Err(bad_request(format!("`days` must be 1 to {MAX_MOOD_DAYS}")));
        }
        let offset_min = query.tz_offset_min.unwrap_or(0);
        if !(-MAX_TZ_OFFSET_MIN..=MAX_TZ_OFFSET_MIN).contains(&offset_min) {
            return Err(bad_request(format!("`tz_offset_min` must be -{MAX_TZ_OFFSET_MIN} to {MAX_TZ_OFFSET_MIN}")));
        }
        let room = self.readable_room(who, room_id).await?;

        let offset_ms = i64::from(offset_min) * 60_000;
        let today = (self.clock.now_ms() + offset_ms).div_euclid(DAY_MS);
        let first_day = today - i64::from(days) + 1;
        let counts = self.store.mood_counts(&room.id, first_day * DAY_MS - offset_ms, offset_ms).await?;
        let days = (first_day..=today)
            .map(|day| {
                let mut entry = MoodDay { date: civil_date(day), ..MoodDay::default() };
                for count in counts.iter().filter(|count| count.day == day) {
                    match count.mood {
                        Mood::Positive => entry.positive += count.count,
                        Mood::Neutral => entry.neutral += count.count,
                        Mood::Negative => entry.negative += count.count,
                    }
                }
                entry
            })
            .collect();

        let newest = self.store.history(&room.id, &HistorySlice::Latest, MOOD_RECENT_MESSAGES).await?;
        let recent = newest.iter().rev().filter_map(|message| message.shown_mood().and_then(Mood::parse)).collect();
        Ok(RoomMood { days, recent })
    }
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01 (proleptic Gregorian;
/// Howard Hinnant's `civil_from_days`).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::civil_date;

    #[test]
    fn dates_of_days_since_the_epoch() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(-1), "1969-12-31");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_792), "2026-12-05");
        assert_eq!(civil_date(20_818), "2026-12-31");
        assert_eq!(civil_date(20_819), "2027-01-01");
    }
}
