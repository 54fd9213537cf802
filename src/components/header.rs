use leptos::prelude::*;

use super::connection_status::ConnectionStatus;
use super::preferences::{LanguageSwitch, ThemeSwitch};
use crate::auth::use_auth;
use crate::i18n::tr;
use crate::split::after_first_screen;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="app-header">
            <a href="/rooms" class="brand">
                <span class="brand-mark" aria-hidden="true">"😊"</span>
                <span class="brand-name">{tr(|t| t.app_name)}</span>
            </a>
            // Fetched once the page's first screen is painted (`split`).
            {after_first_screen(connection_status)}
            <div class="header-tools">{after_first_screen(header_tools)}</div>
        </header>
    }
}

split_view! { header_tools:
    /// The connection's state.
    fn connection_status() -> AnyView {
        view! { <ConnectionStatus /> }.into_any()
    }
}

split_view! { header_tools:
    /// The language and theme switches and the account.
    fn header_tools() -> AnyView {
        view! {
            <LanguageSwitch />
            <ThemeSwitch />
            <Account />
        }
        .into_any()
    }
}

/// Who is signed in, with the way out; a sign-in link for guests. Both are
/// always in the page and shown or hidden (one view, no branches to build).
#[component]
fn Account() -> impl IntoView {
    let auth = use_auth();
    let guest = move || !auth.signed_in.get();
    view! {
        <a href="/signin" class="button sign-in-link" hidden=move || !guest()>{tr(|t| t.nav_sign_in)}</a>
        <span class="user-name" title=tr(|t| t.signed_in_as) hidden=guest>
            {move || auth.user().map(|user| user.name)}
        </span>
        <button type="button" class="button sign-out" hidden=guest on:click=move |_| auth.sign_out()>
            {tr(|t| t.sign_out)}
        </button>
    }
}
