//! Every string the app shows, in English and Korean, from one place.
//!
//! `Texts` is a struct with one field per string, so a translation that is
//! missing in either language is a compile error, not a blank in production.
//! Korean is chosen when the browser prefers it; the user can switch, and the
//! choice is remembered.

use leptos::prelude::*;

use crate::storage;

mod en;
mod ko;
mod texts;

pub use en::{EN, EN_AUTH};
pub use ko::{KO, KO_AUTH};
pub use texts::{AuthTexts, Texts};

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

    /// One function reads the sign-in texts, so they stay with it in the
    /// sign-in pages' shared chunk (inlined, every page would hold them).
    #[inline(never)]
    pub fn auth_texts(self) -> &'static AuthTexts {
        match self {
            Locale::En => &EN_AUTH,
            Locale::Ko => &KO_AUTH,
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

    pub fn auth(&self) -> &'static AuthTexts {
        self.locale.get().auth_texts()
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

/// `tr` for the sign-in pages' texts.
pub fn tr_auth(text: fn(&AuthTexts) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let locale = use_i18n().locale;
    move || text(locale.get().auth_texts())
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
