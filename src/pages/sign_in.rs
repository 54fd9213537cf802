use leptos::prelude::*;

use crate::app::use_runtime_config;
use crate::i18n::tr;

#[component]
pub fn SignIn() -> impl IntoView {
    let config = use_runtime_config();
    view! {
        <section class="page page-sign-in">
            <h1>{tr(|t| t.sign_in_title)}</h1>
            <p>{tr(|t| t.sign_in_intro)}</p>
            <p class="muted">
                <code>{config.cognito.user_pool_id}</code>
            </p>
        </section>
    }
}
