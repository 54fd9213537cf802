//! The search panel's and the mood chart's words, in their chunks rather
//! than in the main module's `Texts` (nobody needs them before opening).

use crate::i18n::Locale;

pub struct SearchTexts {
    pub open: &'static str,
    pub title: &'static str,
    pub close: &'static str,
    pub placeholder: &'static str,
    pub everywhere: &'static str,
    pub this_room: &'static str,
    pub scope: &'static str,
    pub searching: &'static str,
    /// "{}" is the number.
    pub found: &'static str,
    pub none: &'static str,
    pub more: &'static str,
    pub results: &'static str,
    pub error_too_long: &'static str,
    pub error_too_fast: &'static str,
    pub error_unavailable: &'static str,
    pub error_other: &'static str,
    pub error_network: &'static str,
    pub jump_failed: &'static str,
}

pub fn search_texts(locale: Locale) -> &'static SearchTexts {
    match locale {
        Locale::En => &EN,
        Locale::Ko => &KO,
    }
}

const EN: SearchTexts = SearchTexts {
    open: "Search messages",
    title: "Search messages",
    close: "Close search",
    placeholder: "Words to find",
    everywhere: "All my rooms",
    this_room: "This room",
    scope: "Where to search",
    searching: "Searching…",
    found: "{} found",
    none: "No messages found.",
    more: "More results",
    results: "Results",
    error_too_long: "That is too long to search for (100 characters at most).",
    error_too_fast: "Too many searches at once. Wait a moment and try again.",
    error_unavailable: "Search is not available here.",
    error_other: "The search failed. Try again.",
    error_network: "No connection. Try again when you are back online.",
    jump_failed: "That message could not be opened.",
};

const KO: SearchTexts = SearchTexts {
    open: "메시지 검색",
    title: "메시지 검색",
    close: "검색 닫기",
    placeholder: "찾을 말",
    everywhere: "내 모든 방",
    this_room: "이 방",
    scope: "검색할 곳",
    searching: "찾는 중…",
    found: "{}개 찾음",
    none: "찾은 메시지가 없어요.",
    more: "결과 더 보기",
    results: "검색 결과",
    error_too_long: "검색어가 너무 길어요 (최대 100자).",
    error_too_fast: "검색이 너무 잦아요. 잠시 후 다시 해 보세요.",
    error_unavailable: "여기서는 검색을 쓸 수 없어요.",
    error_other: "검색하지 못했어요. 다시 해 보세요.",
    error_network: "연결이 끊겼어요. 다시 연결되면 해 보세요.",
    jump_failed: "그 메시지를 열 수 없어요.",
};

pub struct MoodTexts {
    pub title: &'static str,
    /// "{days}" days, then the counts: "{p}", "{n}", "{g}" (negative).
    pub days_summary: &'static str,
    pub recent_summary: &'static str,
    pub empty: &'static str,
}

pub fn mood_texts(locale: Locale) -> &'static MoodTexts {
    match locale {
        Locale::En => &MOOD_EN,
        Locale::Ko => &MOOD_KO,
    }
}

const MOOD_EN: MoodTexts = MoodTexts {
    title: "Mood of this room",
    days_summary: "Last {days} days: {p} positive, {n} neutral, {g} negative",
    recent_summary: "last {count} messages: {p} positive, {n} neutral, {g} negative",
    empty: "no moods yet",
};

const MOOD_KO: MoodTexts = MoodTexts {
    title: "이 방의 분위기",
    days_summary: "최근 {days}일: 긍정 {p}, 중립 {n}, 부정 {g}",
    recent_summary: "최근 메시지 {count}개: 긍정 {p}, 중립 {n}, 부정 {g}",
    empty: "아직 분위기가 없어요",
};
