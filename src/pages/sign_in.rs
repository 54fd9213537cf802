use leptos::prelude::*;

use crate::app::use_runtime_config;
use crate::i18n::use_i18n;

#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = use_i18n();
    let config = use_runtime_config();
    view! {
        <section class="page page-sign-in">
            <h1>{move || i18n.t().sign_in_title}</h1>
            <p>{move || i18n.t().sign_in_intro}</p>
            <p class="muted">
                <code>{config.cognito.user_pool_id}</code>
            </p>
        </section>
    }
}
