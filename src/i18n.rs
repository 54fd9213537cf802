//! Every string the app shows, in English and Korean, from one place.
//!
//! `Texts` is a struct with one field per string, so a translation that is
//! missing in either language is a compile error, not a blank in production.
//! Korean is chosen when the browser prefers it; the user can switch, and the
//! choice is remembered.

use leptos::prelude::*;

use crate::storage;

const STORAGE_KEY: &str = "moodchat.locale";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    En,
    Ko,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Ko];

    /// BCP 47 tag, for `<html lang>` and for storage.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ko => "ko",
        }
    }

    /// The language's own name, as shown in the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Ko => "한국어",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "ko" => Some(Locale::Ko),
            _ => None,
        }
    }

    /// The first of the browser's preferred languages that we speak,
    /// English otherwise.
    pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Locale {
        preferred.into_iter().find_map(Locale::from_tag).unwrap_or(Locale::En)
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Locale::En => &EN,
            Locale::Ko => &KO,
        }
    }
}

/// The reactive locale, shared through context.
#[derive(Clone, Copy)]
pub struct I18n {
    pub locale: RwSignal<Locale>,
}

impl I18n {
    /// The texts of the current locale; reading it subscribes to changes.
    pub fn t(&self) -> &'static Texts {
        self.locale.get().texts()
    }

    pub fn set(&self, locale: Locale) {
        storage::set(STORAGE_KEY, locale.tag());
        set_document_lang(locale);
        self.locale.set(locale);
    }
}

pub fn provide_i18n() -> I18n {
    let locale = storage::get(STORAGE_KEY)
        .and_then(|tag| Locale::from_tag(&tag))
        .unwrap_or_else(|| Locale::negotiate(browser_languages().iter().map(String::as_str)));
    set_document_lang(locale);
    let i18n = I18n { locale: RwSignal::new(locale) };
    provide_context(i18n);
    i18n
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// A reactive translated string: `{tr(|t| t.rooms_title)}` in a view.
///
/// Every call returns the same closure type (a locale signal and a function
/// pointer), so Leptos' rendering code is instantiated once for all texts
/// rather than once per text: a real saving in the wasm bundle.
pub fn tr(text: fn(&Texts) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let locale = use_i18n().locale;
    move || text(locale.get().texts())
}

fn browser_languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|window| window.navigator()) else {
        return Vec::new();
    };
    let mut languages: Vec<String> =
        navigator.languages().iter().filter_map(|value| value.as_string()).collect();
    if languages.is_empty() {
        languages.extend(navigator.language());
    }
    languages
}

fn set_document_lang(locale: Locale) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", locale.tag());
    }
}

/// One field per user-visible string.
pub struct Texts {
    pub app_name: &'static str,
    pub skip_to_content: &'static str,
    pub nav_rooms: &'static str,
    pub nav_sign_in: &'static str,
    pub language: &'static str,
    pub theme: &'static str,
    pub theme_system: &'static str,
    pub theme_light: &'static str,
    pub theme_dark: &'static str,
    pub connection_label: &'static str,
    pub connection_idle: &'static str,
    pub connection_connecting: &'static str,
    pub connection_connected: &'static str,
    pub connection_reconnecting: &'static str,
    pub connection_offline: &'static str,
    pub loading: &'static str,
    pub config_error_title: &'static str,
    pub config_error_body: &'static str,
    pub config_error_network: &'static str,
    pub config_error_status: &'static str,
    pub config_error_invalid: &'static str,
    pub retry: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub rooms_title: &'static str,
    pub rooms_intro: &'static str,
    pub lobby_name: &'static str,
    pub room_title: &'static str,
    pub room_empty: &'static str,
    pub back_to_rooms: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub go_home: &'static str,
}

pub static EN: Texts = Texts {
    app_name: "moodchat",
    skip_to_content: "Skip to content",
    nav_rooms: "Rooms",
    nav_sign_in: "Sign in",
    language: "Language",
    theme: "Theme",
    theme_system: "System",
    theme_light: "Light",
    theme_dark: "Dark",
    connection_label: "Connection",
    connection_idle: "Not connected",
    connection_connecting: "Connecting…",
    connection_connected: "Connected",
    connection_reconnecting: "Reconnecting…",
    connection_offline: "Offline",
    loading: "Loading…",
    config_error_title: "moodchat can't start",
    config_error_body: "The app could not load its configuration from the server. Check your connection and try again.",
    config_error_network: "The server could not be reached.",
    config_error_status: "The server answered with an error",
    config_error_invalid: "The configuration the server sent is not valid.",
    retry: "Try again",
    sign_in_title: "Sign in",
    sign_in_intro: "Chat in real time and see the mood of every message.",
    rooms_title: "Rooms",
    rooms_intro: "Your rooms and direct conversations.",
    lobby_name: "Lobby",
    room_title: "Room",
    room_empty: "No messages yet.",
    back_to_rooms: "Back to rooms",
    not_found_title: "Page not found",
    not_found_body: "There is nothing at this address.",
    go_home: "Go to your rooms",
};

pub static KO: Texts = Texts {
    app_name: "무드챗",
    skip_to_content: "본문으로 건너뛰기",
    nav_rooms: "대화방",
    nav_sign_in: "로그인",
    language: "언어",
    theme: "테마",
    theme_system: "시스템",
    theme_light: "밝게",
    theme_dark: "어둡게",
    connection_label: "연결 상태",
    connection_idle: "연결 안 됨",
    connection_connecting: "연결 중…",
    connection_connected: "연결됨",
    connection_reconnecting: "다시 연결 중…",
    connection_offline: "오프라인",
    loading: "불러오는 중…",
    config_error_title: "무드챗을 시작할 수 없습니다",
    config_error_body: "서버에서 설정을 불러오지 못했습니다. 연결을 확인하고 다시 시도해 주세요.",
    config_error_network: "서버에 연결할 수 없습니다.",
    config_error_status: "서버가 오류로 응답했습니다",
    config_error_invalid: "서버가 보낸 설정이 올바르지 않습니다.",
    retry: "다시 시도",
    sign_in_title: "로그인",
    sign_in_intro: "실시간으로 대화하고 메시지마다 기분을 확인하세요.",
    rooms_title: "대화방",
    rooms_intro: "내 대화방과 1:1 대화입니다.",
    lobby_name: "로비",
    room_title: "대화방",
    room_empty: "아직 메시지가 없습니다.",
    back_to_rooms: "대화방 목록으로",
    not_found_title: "페이지를 찾을 수 없습니다",
    not_found_body: "이 주소에는 아무것도 없습니다.",
    go_home: "내 대화방으로 가기",
};

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn korean_when_the_browser_prefers_it() {
        assert_eq!(Locale::negotiate(["ko-KR", "en-US"]), Locale::Ko);
        assert_eq!(Locale::negotiate(["fr-FR", "ko"]), Locale::Ko);
        assert_eq!(Locale::negotiate(["en-GB", "ko-KR"]), Locale::En);
    }

    #[test]
    fn english_when_nothing_matches() {
        assert_eq!(Locale::negotiate(["fr-FR", "de"]), Locale::En);
        assert_eq!(Locale::negotiate([]), Locale::En);
    }

    #[test]
    fn tags_round_trip() {
        for locale in Locale::ALL {
            assert_eq!(Locale::from_tag(locale.tag()), Some(locale));
        }
        assert_eq!(Locale::from_tag("KO_kr"), Some(Locale::Ko));
        assert_eq!(Locale::from_tag(""), None);
    }
}
