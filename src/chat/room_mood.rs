//! The mood of a room (issue 17): a small chart in the room header of the
//! moods of the last days (a stacked bar a day) and of the newest messages
//! (a strip, oldest on the left), drawn as SVG, with its numbers in words
//! for screen readers (and as the tooltip). It is in the `room_tools`
//! chunk, fetched once the room's first screen is painted, and its data a
//! request made after that: it never delays the room's first paint. Colours come from CSS (both themes).

use js_sys::Reflect;
use leptos::prelude::*;
use moodchat_protocol::Mood;
use wasm_bindgen::JsValue;

use super::store::Timeline;
use super::use_chat;
use crate::chat::api::encode;
use crate::i18n::use_i18n;
use crate::search::texts::{mood_texts, MoodTexts};

/// Counts of a day, as `GET /rooms/{id}/moods` gives them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Day {
    pub date: String,
    pub positive: u32,
    pub neutral: u32,
    pub negative: u32,
}

impl Day {
    fn total(&self) -> u32 {
        self.positive + self.neutral + self.negative
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoomMood {
    pub days: Vec<Day>,
    pub recent: Vec<Mood>,
}

/// Reads the endpoint's JSON.
pub fn parse(value: &JsValue) -> RoomMood {
    let get = |value: &JsValue, name: &str| Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    let count = |day: &JsValue, name: &str| get(day, name).as_f64().unwrap_or(0.0) as u32;
    let days = js_sys::Array::from(&get(value, "days"))
        .iter()
        .map(|day| Day {
            date: get(&day, "date").as_string().unwrap_or_default(),
            positive: count(&day, "positive"),
            neutral: count(&day, "neutral"),
            negative: count(&day, "negative"),
        })
        .collect();
    let recent = js_sys::Array::from(&get(value, "recent")).iter().filter_map(|m| Mood::parse(&m.as_string()?)).collect();
    RoomMood { days, recent }
}

/// The chart's size in SVG units (whole numbers: no float formatting in
/// the chunk): day bars on the left, the strip on the right.
const HEIGHT: u32 = 280;
const BAR_W: u32 = 70;
const BAR_STEP: u32 = 100;
const STRIP_X: u32 = 800;
const STRIP_W: u32 = 1000;

/// A coloured rectangle of the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub mood: Mood,
}

/// Where everything goes: each day a bar as tall as its share of the
/// busiest day, negative at the bottom, positive on top; the strip one
/// cell per recent message.
pub fn bars(mood: &RoomMood) -> Vec<Bar> {
    let busiest = mood.days.iter().map(Day::total).max().unwrap_or(0).max(1);
    // Heights from the running total, so the parts add up to the bar.
    let level = |below: u32| HEIGHT - HEIGHT * below / busiest;
    let mut bars = Vec::new();
    for (index, day) in (0u32..).zip(&mood.days) {
        let mut below = 0;
        for (count, kind) in [(day.negative, Mood::Negative), (day.neutral, Mood::Neutral), (day.positive, Mood::Positive)] {
            let (bottom, top) = (level(below), level(below + count));
            below += count;
            if bottom > top {
                bars.push(Bar { x: index * BAR_STEP, y: top, w: BAR_W, h: bottom - top, mood: kind });
            }
        }
    }
    let cells = mood.recent.len().max(1) as u32;
    let edge = |index: u32| STRIP_X + index * STRIP_W / cells;
    for (index, kind) in (0u32..).zip(&mood.recent) {
        bars.push(Bar { x: edge(index), y: 80, w: edge(index + 1) - edge(index), h: 120, mood: *kind });
    }
    bars
}

fn counts(moods: impl Iterator<Item = (Mood, u32)>) -> (u32, u32, u32) {
    moods.fold((0, 0, 0), |(p, n, g), (mood, count)| match mood {
        Mood::Positive => (p + count, n, g),
        Mood::Neutral => (p, n + count, g),
        Mood::Negative => (p, n, g + count),
    })
}

fn fill(template: &str, days_or_count: usize, (p, n, g): (u32, u32, u32)) -> String {
    template
        .replace("{days}", &days_or_count.to_string())
        .replace("{count}", &days_or_count.to_string())
        .replace("{p}", &p.to_string())
        .replace("{n}", &n.to_string())
        .replace("{g}", &g.to_string())
}

/// The chart in words: the days' totals and the recent messages' moods.
pub fn summary(mood: &RoomMood, t: &MoodTexts) -> String {
    let days = counts(mood.days.iter().flat_map(|d| [(Mood::Positive, d.positive), (Mood::Neutral, d.neutral), (Mood::Negative, d.negative)]));
    let recent = counts(mood.recent.iter().map(|m| (*m, 1)));
    let mut text = [t.title, ": ", &fill(t.days_summary, mood.days.len(), days)].concat();
    if mood.recent.is_empty() {
        text.push_str(&[" · ", t.empty].concat());
    } else {
        text.push_str(&[" · ", &fill(t.recent_summary, mood.recent.len(), recent)].concat());
    }
    text
}

/// The day's line for screen readers: "2026-12-05: 3 positive, ...".
fn day_line(day: &Day, t: &MoodTexts) -> String {
    let words = fill(t.days_summary, 1, (day.positive, day.neutral, day.negative));
    // The counts part of the template, after its ": ".
    let counts = words.split_once(": ").map_or(words.as_str(), |(_, counts)| counts).to_owned();
    [day.date.as_str(), ": ", &counts].concat()
}

/// Minutes east of UTC in this browser (Seoul: 540).
fn utc_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// Refetched at most this often while messages arrive.
const REFRESH_MS: f64 = 20_000.0;

split_view! { room_tools:
    /// The chart of `room`, fetched after its messages have loaded.
    pub fn room_mood(room: String, timeline: RwSignal<Timeline>) -> AnyView {
        view! { <RoomMoodChart room timeline /> }.into_any()
    }
}

#[component]
fn RoomMoodChart(room: String, timeline: RwSignal<Timeline>) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let data = RwSignal::new(None::<RoomMood>);
    let fetched_at = StoredValue::new(f64::NEG_INFINITY);
    Effect::new(move |_| {
        let newest = timeline.with(|t| t.loaded.then(|| t.last_id().map(str::to_owned)));
        let now = js_sys::Date::now();
        if newest.is_none() || now - fetched_at.get_value() < REFRESH_MS {
            return;
        }
        fetched_at.set_value(now);
        let (Some(api), room) = (chat.api(), room.clone()) else { return };
        leptos::task::spawn_local(async move {
            let path = format!("/rooms/{}/moods?days=7&tz_offset_min={}", encode(&room), utc_offset_minutes());
            if let Ok(value) = api.get(&path).await {
                data.try_set(Some(parse(&value)));
            }
        });
    });
    move || {
        let mood = data.get()?;
        let t = mood_texts(i18n.locale.get());
        let label = summary(&mood, t);
        let title = label.clone();
        let days: Vec<String> = mood.days.iter().map(|day| day_line(day, t)).collect();
        let shapes = bars(&mood)
            .into_iter()
            .map(|bar| {
                let class = ["mood-", bar.mood.as_str()].concat();
                view! { <rect class=class x=bar.x y=bar.y width=bar.w height=bar.h /> }
            })
            .collect_view();
        Some(view! {
            <figure class="room-mood" title=title>
                <svg viewBox="0 0 1800 280" width="120" height="19" aria-hidden="true" focusable="false">
                    <line class="mood-axis" x1="0" y1="275" x2="670" y2="275" />
                    {shapes}
                </svg>
                <figcaption class="visually-hidden">
                    {label}
                    <ul>{days.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
                </figcaption>
            </figure>
        })
    }
}
