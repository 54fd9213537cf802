use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::auth_links::{go_to, normalize_email, query_value, with_email};
use crate::app::use_runtime_config;
use crate::auth::cognito;
use crate::components::form::{Field, FormError, FormState, Notice, SubmitButton};
use crate::i18n::{tr, use_i18n};

/// Entering the code sent at sign-up, with a way to get a new one.
#[component]
pub fn ConfirmSignUp() -> impl IntoView {
    let i18n = use_i18n();
    let config = use_runtime_config().cognito;
    let go_to = go_to();
    let email = RwSignal::new(query_value("email").get_untracked().unwrap_or_default());
    let code = RwSignal::new(String::new());
    let form = FormState::new();
    let resend = FormState::new();
    let resent = RwSignal::new(false);

    let on_submit = {
        let config = config.clone();
        move |event: SubmitEvent| {
            event.prevent_default();
            let config = config.clone();
            let (email, code) = (normalize_email(&email.get_untracked()), code.get_untracked().trim().to_owned());
            let go_to = go_to.clone();
            form.run(async move {
                cognito::confirm_sign_up(&config, &email, &code).await?;
                go_to(&with_email("/signin", &email, Some("confirmed")));
                Ok(())
            });
        }
    };
    let on_resend = move |_| {
        let config = config.clone();
        let email = normalize_email(&email.get_untracked());
        resent.set(false);
        resend.run(async move {
            cognito::resend_confirmation_code(&config, &email).await?;
            resent.try_set(true);
            Ok(())
        });
    };
    let notice = Signal::derive(move || if resent.get() { i18n.t().code_resent } else { "" });

    view! {
        <section class="page page-auth page-confirm">
            <h1>{tr(|t| t.confirm_title)}</h1>
            <p class="muted">{tr(|t| t.confirm_intro)}</p>
            <Notice text=notice />
            <form class="auth-form" on:submit=on_submit>
                <Field id="email" label=|t| t.email_label value=email kind="email" autocomplete="username" />
                <Field id="code" label=|t| t.code_label value=code autocomplete="one-time-code" input_mode="numeric" />
                <FormError form />
                <FormError form=resend />
                <SubmitButton form label=|t| t.confirm_submit />
                <button type="button" class="button resend-code" on:click=on_resend disabled=move || resend.pending.get()>
                    {tr(|t| t.resend_code)}
                </button>
            </form>
            <p class="auth-links"><a href="/signin">{tr(|t| t.back_to_sign_in)}</a></p>
        </section>
    }
}
