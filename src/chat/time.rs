//! Local times and days for messages, through the browser's Intl (via
//! `Date.toLocale*String`) instead of a date library in the bundle.

use wasm_bindgen::JsValue;

fn date(ms: i64) -> js_sys::Date {
    js_sys::Date::new(&JsValue::from_f64(ms as f64))
}

fn options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap_or(JsValue::UNDEFINED)
}

/// "14:05" / "오후 2:05", in the viewer's time zone.
pub fn time_label(ms: i64, locale: &str) -> String {
    date(ms).to_locale_time_string_with_options(locale, &options(r#"{"hour":"numeric","minute":"2-digit"}"#)).into()
}

/// "Monday, 24 November 2026" / "2026년 11월 24일 월요일".
pub fn day_label(ms: i64, locale: &str) -> String {
    date(ms)
        .to_locale_date_string(locale, &options(r#"{"weekday":"long","year":"numeric","month":"long","day":"numeric"}"#))
        .into()
}

/// Full date and time, for a `title`.
pub fn full_label(ms: i64, locale: &str) -> String {
    date(ms).to_locale_string(locale, &options(r#"{"dateStyle":"medium","timeStyle":"short"}"#)).into()
}

/// The local calendar day of `ms`, as a number: equal for two instants on
/// the same day in the viewer's time zone.
pub fn local_day(ms: i64) -> i64 {
    let offset_ms = date(ms).get_timezone_offset() as i64 * 60_000;
    (ms - offset_ms).div_euclid(86_400_000)
}
