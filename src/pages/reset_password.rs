use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::auth_links::{go_to, normalize_email, query_value, with_email};
use crate::app::use_runtime_config;
use crate::auth::password_policy::is_acceptable;
use crate::auth::{cognito, AuthError};
use crate::components::form::{Field, FormError, FormState, SubmitButton};
use crate::components::password_hints::{PasswordHints, PASSWORD_HINTS_ID};
use crate::i18n::tr;

/// The reset code from the email and a new password.
#[component]
pub fn ResetPassword() -> impl IntoView {
    let config = use_runtime_config().cognito;
    let go_to = go_to();
    let email = RwSignal::new(query_value("email").get_untracked().unwrap_or_default());
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = FormState::new();

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let password = password.get_untracked();
        if !is_acceptable(&password) {
            return form.fail(AuthError::from_service("InvalidPasswordException", ""));
        }
        let config = config.clone();
        let (email, code) = (normalize_email(&email.get_untracked()), code.get_untracked().trim().to_owned());
        let go_to = go_to.clone();
        form.run(async move {
            cognito::confirm_forgot_password(&config, &email, &code, &password).await?;
            go_to(&with_email("/signin", &email, Some("reset")));
            Ok(())
        });
    };

    view! {
        <section class="page page-auth page-reset-password">
            <h1>{tr(|t| t.reset_title)}</h1>
            <p class="muted">{tr(|t| t.reset_intro)}</p>
            <form class="auth-form" on:submit=on_submit>
                <Field id="email" label=|t| t.email_label value=email kind="email" autocomplete="username" />
                <Field id="code" label=|t| t.code_label value=code autocomplete="one-time-code" input_mode="numeric" />
                <Field
                    id="password"
                    label=|t| t.new_password_label
                    value=password
                    kind="password"
                    autocomplete="new-password"
                    described_by=PASSWORD_HINTS_ID
                />
                <PasswordHints password />
                <FormError form />
                <SubmitButton form label=|t| t.reset_submit />
            </form>
            <p class="auth-links"><a href="/signin">{tr(|t| t.back_to_sign_in)}</a></p>
        </section>
    }
}
