//! The app's side of search (issue 17), in the browser: the part of a
//! message shown around what was found, a window far back in a room's
//! timeline and the gap up to its newest messages, and the mood chart's
//! shapes and words.
#![cfg(target_arch = "wasm32")]

use moodchat_protocol::{Message, Mood, UserRef};
use moodchat_web::chat::room_mood::{bars, summary, Day, RoomMood};
use moodchat_web::chat::store::Timeline;
use moodchat_web::i18n::Locale;
use moodchat_web::search::results::snippet;
use moodchat_web::search::texts::mood_texts;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn message(seq: u64) -> Message {
    Message {
        id: format!("01J{seq:023}"),
        room: "lobby".into(),
        seq,
        sender: UserRef { sub: "s".into(), name: "S".into() },
        text: format!("m{seq}"),
        created_at: seq as i64,
        client_id: format!("c{seq}"),
        ..Message::default()
    }
}

fn seqs(timeline: &Timeline) -> Vec<u64> {
    timeline.messages.iter().map(|m| m.seq).collect()
}

#[wasm_bindgen_test]
fn the_snippet_marks_every_word_found_ignoring_case() {
    let pieces = snippet("내일 회의실에서 Meeting 해요", "회의 meeting");
    let marked: Vec<&str> = pieces.iter().filter(|(_, found)| *found).map(|(text, _)| text.as_str()).collect();
    assert_eq!(marked, ["회의", "Meeting"]);
    let whole: String = pieces.iter().map(|(text, _)| text.as_str()).collect();
    assert_eq!(whole, "내일 회의실에서 Meeting 해요");

    let long = format!("{}회의실{}", "가".repeat(60), "나".repeat(200));
    let cut: String = snippet(&long, "회의실").into_iter().map(|(text, _)| text).collect();
    assert!(cut.starts_with('…') && cut.ends_with('…') && cut.contains("회의실"), "{cut}");
    assert!(cut.chars().count() < 110, "{cut}");
}

#[wasm_bindgen_test]
fn a_window_far_back_leaves_a_gap_that_pages_fill() {
    let mut timeline = Timeline::default();
    timeline.insert_all((151..=200).map(message));
    timeline.older = Some("older-than-151".into());

    // Seq 30 with its neighbours: a window, a gap after it.
    let window: Vec<Message> = (25..=35).rev().map(message).collect();
    let id = message(30).id;
    timeline.show_around(window, Some("older-than-25".into()), &id);
    assert_eq!(timeline.gap, Some(35));
    assert_eq!(timeline.older.as_deref(), Some("older-than-25"));
    assert_eq!(timeline.take_focus(), Some((id.clone(), 5)), "the message, sixth from the top");
    assert_eq!(timeline.take_focus(), None, "shown once");

    timeline.fill_gap((36..=85).map(message).collect());
    assert_eq!(timeline.gap, Some(85));
    timeline.fill_gap((86..=150).map(message).collect());
    assert_eq!(timeline.gap, None, "the pages reached the newest messages");
    assert_eq!(seqs(&timeline), (25..=200).collect::<Vec<_>>());
}

#[wasm_bindgen_test]
fn a_window_next_to_what_is_loaded_joins_it_and_a_second_jump_drops_the_first() {
    let mut timeline = Timeline::default();
    timeline.insert_all((100..=150).map(message));
    timeline.older = Some("older-than-100".into());
    timeline.show_around((90..=99).rev().map(message).collect(), Some("older-than-90".into()), &message(95).id);
    assert_eq!((timeline.gap, timeline.older.as_deref()), (None, Some("older-than-90")));

    timeline.show_around((10..=20).rev().map(message).collect(), Some("older-than-10".into()), &message(15).id);
    assert_eq!(timeline.gap, Some(20));
    timeline.show_around((1..=5).rev().map(message).collect(), None, &message(3).id);
    assert_eq!(timeline.gap, Some(5));
    assert_eq!(seqs(&timeline), [1, 2, 3, 4, 5].into_iter().chain(90..=150).collect::<Vec<_>>(), "one window at most");
    timeline.fill_gap(Vec::new());
    assert_eq!(timeline.gap, None, "an empty page closes the gap");
}

#[wasm_bindgen_test]
fn the_chart_draws_each_day_and_says_it_in_words() {
    let day = |date: &str, positive, neutral, negative| Day { date: date.into(), positive, neutral, negative };
    let mood = RoomMood {
        days: vec![day("2026-12-04", 2, 0, 2), day("2026-12-05", 1, 1, 0)],
        recent: vec![Mood::Positive, Mood::Negative, Mood::Neutral, Mood::Positive],
    };
    let bars = bars(&mood);
    // The busiest day fills the height; negative at the bottom.
    let first_day: Vec<_> = bars.iter().filter(|b| b.x == 0).collect();
    assert_eq!(first_day.iter().map(|b| b.mood).collect::<Vec<_>>(), [Mood::Negative, Mood::Positive]);
    assert_eq!(first_day.iter().map(|b| b.h).sum::<u32>(), 280);
    assert_eq!(bars.iter().filter(|b| b.y == 80).map(|b| b.w).sum::<u32>(), 1000, "the strip: one cell per recent message");

    let ko = summary(&mood, mood_texts(Locale::Ko));
    assert_eq!(ko, "이 방의 분위기: 최근 2일: 긍정 3, 중립 1, 부정 2 · 최근 메시지 4개: 긍정 2, 중립 1, 부정 1");
    let en = summary(&RoomMood { days: mood.days.clone(), recent: Vec::new() }, mood_texts(Locale::En));
    assert_eq!(en, "Mood of this room: Last 2 days: 3 positive, 1 neutral, 2 negative · no moods yet");
}
