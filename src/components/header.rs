use leptos::prelude::*;
use leptos_router::components::A;

use super::connection_status::ConnectionStatus;
use super::preferences::{LanguageSwitch, ThemeSwitch};
use crate::i18n::use_i18n;

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="app-header">
            <A href="/rooms" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"😊"</span>
                <span class="brand-name">{move || i18n.t().app_name}</span>
            </A>
            <ConnectionStatus />
            <div class="header-tools">
                <LanguageSwitch />
                <ThemeSwitch />
            </div>
        </header>
    }
}
