use leptos::prelude::*;

use crate::i18n::{tr, use_i18n, Locale};
use crate::theme::{use_theme, Theme};

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="switch">
            <span class="visually-hidden">{tr(|t| t.language)}</span>
            <select
                class="language-switch"
                on:change=move |event| {
                    if let Some(locale) = Locale::from_tag(&event_target_value(&event)) {
                        i18n.set(locale);
                    }
                }
            >
                {Locale::ALL
                    .into_iter()
                    .map(|locale| {
                        view! {
                            <option value=locale.tag() selected=move || i18n.locale.get() == locale>
                                {locale.native_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let theme = use_theme();
    let name = move |choice: Theme| {
        let t = i18n.t();
        match choice {
            Theme::System => t.theme_system,
            Theme::Light => t.theme_light,
            Theme::Dark => t.theme_dark,
        }
    };
    view! {
        <label class="switch">
            <span class="visually-hidden">{tr(|t| t.theme)}</span>
            <select
                class="theme-switch"
                on:change=move |event| {
                    if let Some(choice) = Theme::from_key(&event_target_value(&event)) {
                        theme.set(choice);
                    }
                }
            >
                {Theme::ALL
                    .into_iter()
                    .map(|choice| {
                        view! {
                            <option value=choice.key() selected=move || theme.get() == choice>
                                {move || name(choice)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
