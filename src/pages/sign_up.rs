use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::auth_links::{go_to, normalize_email, with_email};
use crate::app::use_runtime_config;
use crate::auth::password_policy::is_acceptable;
use crate::auth::{cognito, use_auth, AuthError};
use crate::components::form::{Field, FormError, FormState, SubmitButton};
use crate::components::password_hints::{PasswordHints, PASSWORD_HINTS_ID};
use crate::i18n::tr;

#[component]
pub fn SignUp() -> impl IntoView {
    let auth = use_auth();
    let cognito_config = use_runtime_config().cognito;
    let go_to = go_to();
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = FormState::new();

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let password = password.get_untracked();
        if !is_acceptable(&password) {
            // The hints already say what is missing; no need to ask the server.
            return form.fail(AuthError::from_service("InvalidPasswordException", ""));
        }
        let config = cognito_config.clone();
        let (email, name) = (normalize_email(&email.get_untracked()), name.get_untracked().trim().to_owned());
        let go_to = go_to.clone();
        form.run(async move {
            if cognito::sign_up(&config, &email, &name, &password).await? {
                // Confirmed at once (a pool that auto-confirms): sign straight in.
                auth.begin(cognito::sign_in(&config, &email, &password).await?);
            } else {
                go_to(&with_email("/confirm", &email, None));
            }
            Ok(())
        });
    };

    view! {
        <section class="page page-auth page-sign-up">
            <h1>{tr(|t| t.sign_up_title)}</h1>
            <p class="muted">{tr(|t| t.sign_up_intro)}</p>
            <form class="auth-form" on:submit=on_submit>
                <Field id="email" label=|t| t.email_label value=email kind="email" autocomplete="username" />
                <Field id="name" label=|t| t.name_label value=name autocomplete="name" />
                <Field
                    id="password"
                    label=|t| t.password_label
                    value=password
                    kind="password"
                    autocomplete="new-password"
                    described_by=PASSWORD_HINTS_ID
                />
                <PasswordHints password />
                <FormError form />
                <SubmitButton form label=|t| t.sign_up_submit />
            </form>
            <p class="auth-links">
                <span>{tr(|t| t.have_account)} " " <a href="/signin">{tr(|t| t.sign_in_title)}</a></span>
            </p>
        </section>
    }
}
