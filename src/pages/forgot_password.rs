use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::auth_links::{go_to, normalize_email, query_value, with_email};
use crate::app::use_runtime_config;
use crate::auth::cognito;
use crate::components::form::{Field, FormError, FormState, SubmitButton};
use crate::i18n::tr;

/// Asking for a reset code by email.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let config = use_runtime_config().cognito;
    let go_to = go_to();
    let email = RwSignal::new(query_value("email").get_untracked().unwrap_or_default());
    let form = FormState::new();

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let config = config.clone();
        let email = normalize_email(&email.get_untracked());
        let go_to = go_to.clone();
        form.run(async move {
            cognito::forgot_password(&config, &email).await?;
            go_to(&with_email("/reset-password", &email, None));
            Ok(())
        });
    };

    view! {
        <section class="page page-auth page-forgot-password">
            <h1>{tr(|t| t.forgot_title)}</h1>
            <p class="muted">{tr(|t| t.forgot_intro)}</p>
            <form class="auth-form" on:submit=on_submit>
                <Field id="email" label=|t| t.email_label value=email kind="email" autocomplete="username" />
                <FormError form />
                <SubmitButton form label=|t| t.forgot_submit />
            </form>
            <p class="auth-links"><a href="/signin">{tr(|t| t.back_to_sign_in)}</a></p>
        </section>
    }
}
