//! Light and dark themes. The colours are CSS variables (style/main.css);
//! this only sets `data-theme` on <html> when the user overrides the system
//! preference, and remembers the choice.

use leptos::prelude::*;

use crate::storage;

const STORAGE_KEY: &str = "moodchat.theme";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn key(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn from_key(key: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|theme| theme.key() == key)
    }
}

pub fn provide_theme() -> RwSignal<Theme> {
    let theme = RwSignal::new(storage::get(STORAGE_KEY).and_then(|key| Theme::from_key(&key)).unwrap_or(Theme::System));
    Effect::new(move |_| {
        let theme = theme.get();
        storage::set(STORAGE_KEY, theme.key());
        apply(theme);
    });
    provide_context(theme);
    theme
}

pub fn use_theme() -> RwSignal<Theme> {
    expect_context::<RwSignal<Theme>>()
}

fn apply(theme: Theme) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else {
        return;
    };
    let _ = match theme {
        Theme::System => root.remove_attribute("data-theme"),
        Theme::Light | Theme::Dark => root.set_attribute("data-theme", theme.key()),
    };
}
