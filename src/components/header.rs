use leptos::prelude::*;

use super::connection_status::ConnectionStatus;
use super::preferences::{LanguageSwitch, ThemeSwitch};
use crate::i18n::tr;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="app-header">
            <a href="/rooms" class="brand">
                <span class="brand-mark" aria-hidden="true">"😊"</span>
                <span class="brand-name">{tr(|t| t.app_name)}</span>
            </a>
            <ConnectionStatus />
            <div class="header-tools">
                <LanguageSwitch />
                <ThemeSwitch />
            </div>
        </header>
    }
}
