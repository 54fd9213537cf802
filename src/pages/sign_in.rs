use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::auth_links::{normalize_email, query_value, with_email};
use crate::app::use_runtime_config;
use crate::auth::{cognito, srp_worker, use_auth, ErrorKind};
use crate::components::form::{Field, FormError, FormState, Notice, SubmitButton};
use crate::i18n::{tr, use_i18n};

#[component]
pub fn SignIn() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let cognito_config = use_runtime_config().cognito;
    // Start loading the SRP worker while the user types.
    srp_worker::preload();

    let notice_name = query_value("notice");
    let email = RwSignal::new(query_value("email").get_untracked().unwrap_or_default());
    let password = RwSignal::new(String::new());
    let form = FormState::new();

    let notice = Signal::derive(move || {
        let t = i18n.t();
        match notice_name.get().as_deref() {
            Some("confirmed") => t.notice_confirmed,
            Some("reset") => t.notice_password_reset,
            _ if auth.expired.get() => t.notice_session_expired,
            _ => "",
        }
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let config = cognito_config.clone();
        let (email, password) = (normalize_email(&email.get_untracked()), password.get_untracked());
        form.run(async move {
            let session = cognito::sign_in(&config, &email, &password).await?;
            // The guest guard now sends the user on to where they were going.
            auth.begin(session);
            Ok(())
        });
    };
    // An unconfirmed account gets a way to confirm it right there.
    let confirm_link = move || {
        (form.error.with(|error| error.as_ref().map(|error| error.kind())) == Some(ErrorKind::UserNotConfirmed))
            .then(|| {
                view! {
                    <a class="button confirm-link" href=with_email("/confirm", &normalize_email(&email.get()), None)>
                        {tr(|t| t.confirm_account_link)}
                    </a>
                }
            })
    };

    view! {
        <section class="page page-auth page-sign-in">
            <h1>{tr(|t| t.sign_in_title)}</h1>
            <p class="muted">{tr(|t| t.sign_in_intro)}</p>
            <Notice text=notice />
            <form class="auth-form" on:submit=on_submit>
                <Field id="email" label=|t| t.email_label value=email kind="email" autocomplete="username" />
                <Field id="password" label=|t| t.password_label value=password kind="password" autocomplete="current-password" />
                <FormError form />
                {confirm_link}
                <SubmitButton form label=|t| t.sign_in_submit />
            </form>
            <p class="auth-links">
                <a href=move || with_email("/forgot-password", &normalize_email(&email.get()), None)>
                    {tr(|t| t.forgot_password_link)}
                </a>
                <span>
                    {tr(|t| t.no_account)} " " <a href="/signup">{tr(|t| t.create_account_link)}</a>
                </span>
            </p>
        </section>
    }
}
