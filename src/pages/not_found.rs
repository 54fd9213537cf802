use leptos::prelude::*;

use crate::i18n::tr;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="page page-not-found">
            <h1>{tr(|t| t.not_found_title)}</h1>
            <p>{tr(|t| t.not_found_body)}</p>
            <a href="/rooms" class="button">{tr(|t| t.go_home)}</a>
        </section>
    }
}
