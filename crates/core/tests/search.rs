//! Search, history around a message and the mood of a room, through the
//! in-memory adapters (the reference index reads history through the store
//! port): each operation, and each refusal.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use futures_executor::block_on;
use moodchat_core::memory::{InMemoryHub, InMemoryStore, ThreadSpawner};
use moodchat_core::search::ScanningIndex;
use moodchat_core::{ChatService, Clock, Identity, SendRequest};
use moodchat_protocol::rest::{HistoryQuery, RoomMoodQuery, SearchQuery};
use moodchat_protocol::{ErrorCode, Mood};

/// A clock the test moves by hand (messages on different days).
struct HandClock(AtomicI64);

impl Clock for HandClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// 2026-12-05 12:00 UTC.
const NOON: i64 = 1_796_472_000_000;
const DAY: i64 = 86_400_000;

struct World {
    chat: ChatService,
    clock: Arc<HandClock>,
}

fn world(with_index: bool) -> World {
    let hub = Arc::new(InMemoryHub::default());
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(HandClock(AtomicI64::new(NOON)));
    let mut builder =
        ChatService::builder(store.clone(), hub.clone(), hub.clone(), Arc::new(ThreadSpawner)).clock(clock.clone());
    if with_index {
        builder = builder.search(Arc::new(ScanningIndex(store)));
    }
    World { chat: builder.build(), clock }
}

fn user(name: &str) -> Identity {
    Identity { sub: format!("sub-{name}"), username: name.into(), name: name.into(), email: None }
}

fn send(text: &str, client_id: &str) -> SendRequest {
    SendRequest { client_id: client_id.into(), text: Some(text.into()), image_key: None, reply_to: None }
}

fn query(q: &str) -> SearchQuery {
    SearchQuery { q: q.into(), ..SearchQuery::default() }
}

#[test]
fn a_korean_word_inside_a_longer_one_is_found_in_your_rooms_newest_first() {
    block_on(async {
        let w = world(true);
        let (alice, bob) = (user("alice"), user("bob"));
        w.chat.register(&alice).await.unwrap();
        w.chat.register(&bob).await.unwrap();
        let team = w.chat.create_room(&alice, "팀").await.unwrap();
        w.chat.join_room(&bob, &team.id).await.unwrap();
        let first = w.chat.send(&alice, "lobby", send("내일 회의실 예약했어요", "1")).await.unwrap().message;
        w.chat.send(&bob, "lobby", send("점심 뭐 먹을까", "2")).await.unwrap();
        let second = w.chat.send(&bob, &team.id, send("회의 자료 공유합니다 Meeting notes", "3")).await.unwrap().message;
        let dm = w.chat.open_direct(&alice, "bob").await.unwrap();
        let third = w.chat.send(&bob, &dm.id, send("회의 끝나고 연락줘", "4")).await.unwrap().message;

        let found = w.chat.search(&alice, &query("회의")).await.unwrap();
        let ids: Vec<&str> = found.hits.iter().map(|hit| hit.message.id.as_str()).collect();
        assert_eq!(ids, [third.id.as_str(), second.id.as_str(), first.id.as_str()], "newest first");
        assert_eq!(found.hits[0].room_name, "bob", "a direct room is named after the other person");
        assert_eq!(found.hits[1].room_name, "팀");
        assert_eq!(found.before, None);

        let in_team = w.chat.search(&alice, &SearchQuery { room: Some(team.id.clone()), ..query("MEETING") }).await.unwrap();
        assert_eq!(in_team.hits.len(), 1);
        assert_eq!(in_team.hits[0].message.id, second.id);
        assert!(w.chat.search(&alice, &query("회의 점심")).await.unwrap().hits.is_empty(), "every word must be there");
    });
}

#[test]
fn pages_follow_the_cursor_to_the_oldest_match() {
    block_on(async {
        let w = world(true);
        let alice = user("alice");
        w.chat.register(&alice).await.unwrap();
        for n in 0..7 {
            w.chat.send(&alice, "lobby", send(&format!("주간회의 {n}"), &format!("c{n}"))).await.unwrap();
        }
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = w.chat.search(&alice, &SearchQuery { before: before.clone(), limit: Some(3), ..query("회의") }).await.unwrap();
            seen.extend(page.hits.iter().map(|hit| hit.message.text.clone()));
            match page.before {
                Some(cursor) => before = Some(cursor),
                None => break,
            }
        }
        let expected: Vec<String> = (0..7).rev().map(|n| format!("주간회의 {n}")).collect();
        assert_eq!(seen, expected);
    });
}

#[test]
fn nobody_finds_messages_of_rooms_they_are_not_in() {
    block_on(async {
        let w = world(true);
        let (alice, bob, mallory) = (user("alice"), user("bob"), user("mallory"));
        for who in [&alice, &bob, &mallory] {
            w.chat.register(who).await.unwrap();
        }
        let secret = w.chat.create_room(&alice, "비밀").await.unwrap();
        w.chat.send(&alice, &secret.id, send("비밀번호는 회의실 서랍에", "1")).await.unwrap();
        let dm = w.chat.open_direct(&alice, "bob").await.unwrap();
        w.chat.send(&bob, &dm.id, send("회의실 비밀번호 알려줘", "2")).await.unwrap();

        // Mallory is in the lobby only: a search of everything finds nothing,
        // naming the rooms is refused, an unknown room is not found.
        assert!(w.chat.search(&mallory, &query("회의실")).await.unwrap().hits.is_empty());
        for room in [&secret.id, &dm.id] {
            let refused = w.chat.search(&mallory, &SearchQuery { room: Some(room.clone()), ..query("회의실") }).await;
            assert_eq!(refused.unwrap_err().code, ErrorCode::Forbidden, "{room}");
        }
        let unknown = w.chat.search(&mallory, &SearchQuery { room: Some("nope".into()), ..query("회의실") }).await;
        assert_eq!(unknown.unwrap_err().code, ErrorCode::NotFound);
        // Bob sees the direct conversation's message, not the public room he never joined.
        let bobs = w.chat.search(&bob, &query("회의실")).await.unwrap();
        assert_eq!(bobs.hits.iter().map(|h| h.message.room.as_str()).collect::<Vec<_>>(), [dm.id.as_str()]);
    });
}

#[test]
fn bad_queries_and_a_home_without_an_index_are_clear_errors() {
    block_on(async {
        let w = world(true);
        let alice = user("alice");
        w.chat.register(&alice).await.unwrap();
        let code = |q: SearchQuery| {
            let chat = &w.chat;
            let alice = &alice;
            async move { chat.search(alice, &q).await.unwrap_err().code }
        };
        assert_eq!(code(query("  ")).await, ErrorCode::BadRequest);
        assert_eq!(code(query(&"회".repeat(101))).await, ErrorCode::TooLarge);
        assert_eq!(code(SearchQuery { before: Some("not-a-cursor".into()), ..query("회의") }).await, ErrorCode::BadRequest);
        assert_eq!(code(SearchQuery { limit: Some(0), ..query("회의") }).await, ErrorCode::BadRequest);
        assert_eq!(code(SearchQuery { limit: Some(51), ..query("회의") }).await, ErrorCode::BadRequest);

        let bare = world(false);
        bare.chat.register(&alice).await.unwrap();
        assert!(!bare.chat.offers_search());
        assert_eq!(bare.chat.search(&alice, &query("회의")).await.unwrap_err().code, ErrorCode::Unavailable);
    });
}

#[test]
fn history_around_a_message_far_back_holds_it_in_the_middle() {
    block_on(async {
        let w = world(false);
        let alice = user("alice");
        w.chat.register(&alice).await.unwrap();
        let mut ids = Vec::new();
        for n in 1..=300 {
            ids.push(w.chat.send(&alice, "lobby", send(&format!("m{n}"), &format!("c{n}"))).await.unwrap().message.id);
        }
        let around = |id: &str, limit: u32| HistoryQuery { around: Some(id.to_lowercase()), limit: Some(limit), ..Default::default() };
        let page = w.chat.history(&alice, "lobby", &around(&ids[49], 10)).await.unwrap();
        let seqs: Vec<u64> = page.messages.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [54, 53, 52, 51, 50, 49, 48, 47, 46, 45], "newest first, the message (seq 50) in the middle");
        // Older and newer pages continue from its cursors.
        let older = w.chat.history(&alice, "lobby", &HistoryQuery { before: page.before.clone(), limit: Some(2), ..Default::default() }).await.unwrap();
        assert_eq!(older.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [44, 43]);
        let newer = w.chat.history(&alice, "lobby", &HistoryQuery { after: page.after.clone(), limit: Some(2), ..Default::default() }).await.unwrap();
        assert_eq!(newer.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [55, 56]);
        // At the very start there is no older page.
        let start = w.chat.history(&alice, "lobby", &around(&ids[0], 10)).await.unwrap();
        assert_eq!(start.messages.last().map(|m| m.seq), Some(1));
        assert_eq!(start.before, None);

        let bad = |q: HistoryQuery| {
            let chat = &w.chat;
            let alice = &alice;
            async move { chat.history(alice, "lobby", &q).await.unwrap_err().code }
        };
        assert_eq!(bad(HistoryQuery { around: Some("zz".into()), ..Default::default() }).await, ErrorCode::BadRequest);
        assert_eq!(bad(HistoryQuery { around: Some("01JD5X0ZQ3M1T6P5V7K9W2B4C8".into()), ..Default::default() }).await, ErrorCode::NotFound);
        assert_eq!(
            bad(HistoryQuery { around: Some(ids[0].clone()), before: page.before.clone(), ..Default::default() }).await,
            ErrorCode::BadRequest
        );
    });
}

#[test]
fn the_mood_of_a_room_counts_shown_moods_per_local_day_and_the_newest_messages() {
    block_on(async {
        let w = world(false);
        let (alice, bob, mallory) = (user("alice"), user("bob"), user("mallory"));
        for who in [&alice, &bob, &mallory] {
            w.chat.register(who).await.unwrap();
        }
        let dm = w.chat.open_direct(&alice, "bob").await.unwrap();
        // Two days ago (UTC noon), yesterday, today; moods set by their authors.
        let mut n = 0;
        let mut say = |who: &Identity, text: &str, mood: Option<Mood>| {
            n += 1;
            let (chat, room, who, text, id) = (&w.chat, dm.id.clone(), who.clone(), text.to_string(), n.to_string());
            async move {
                let sent = chat.send(&who, &room, send(&text, &id)).await.unwrap().message;
                if mood.is_some() {
                    chat.set_author_mood(&who, &room, &sent.id, mood).await.unwrap();
                }
            }
        };
        w.clock.0.store(NOON - 2 * DAY, Ordering::SeqCst);
        say(&alice, "좋아", Some(Mood::Positive)).await;
        w.clock.0.store(NOON - DAY, Ordering::SeqCst);
        say(&bob, "별로", Some(Mood::Negative)).await;
        say(&alice, "그래", Some(Mood::Neutral)).await;
        say(&bob, "아무 기분 없음", None).await;
        w.clock.0.store(NOON, Ordering::SeqCst);
        say(&alice, "최고", Some(Mood::Positive)).await;
        say(&bob, "고마워", Some(Mood::Positive)).await;

        let utc = w.chat.room_mood(&alice, &dm.id, &RoomMoodQuery { days: Some(3), tz_offset_min: None }).await.unwrap();
        let dates: Vec<&str> = utc.days.iter().map(|d| d.date.as_str()).collect();
        assert_eq!(dates, ["2026-12-03", "2026-12-04", "2026-12-05"]);
        let counts: Vec<(u32, u32, u32)> = utc.days.iter().map(|d| (d.positive, d.neutral, d.negative)).collect();
        assert_eq!(counts, [(1, 0, 0), (0, 1, 1), (2, 0, 0)]);
        assert_eq!(utc.recent, [Mood::Positive, Mood::Negative, Mood::Neutral, Mood::Positive, Mood::Positive]);

        // In Seoul (UTC+9) noon UTC is 21:00: same days. At UTC-13 noon UTC
        // is 23:00 the day before, so "today" there is 12-04.
        let west = w.chat.room_mood(&alice, &dm.id, &RoomMoodQuery { days: Some(2), tz_offset_min: Some(-13 * 60) }).await.unwrap();
        assert_eq!(west.days.iter().map(|d| d.date.as_str()).collect::<Vec<_>>(), ["2026-12-03", "2026-12-04"]);
        assert_eq!(west.days[1].positive, 2);

        // Default: seven days, today last.
        let week = w.chat.room_mood(&bob, &dm.id, &RoomMoodQuery::default()).await.unwrap();
        assert_eq!((week.days.len(), week.days[6].date.as_str()), (7, "2026-12-05"));

        let code = |who: Identity, room: String, q: RoomMoodQuery| {
            let chat = &w.chat;
            async move { chat.room_mood(&who, &room, &q).await.unwrap_err().code }
        };
        assert_eq!(code(mallory.clone(), dm.id.clone(), RoomMoodQuery::default()).await, ErrorCode::Forbidden);
        assert_eq!(code(alice.clone(), "nope".into(), RoomMoodQuery::default()).await, ErrorCode::NotFound);
        for days in [0, 32] {
            assert_eq!(code(alice.clone(), dm.id.clone(), RoomMoodQuery { days: Some(days), tz_offset_min: None }).await, ErrorCode::BadRequest);
        }
        assert_eq!(code(alice.clone(), dm.id.clone(), RoomMoodQuery { days: None, tz_offset_min: Some(15 * 60) }).await, ErrorCode::BadRequest);
    });
}
