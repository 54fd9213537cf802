use std::rc::Rc;

use leptos::prelude::*;

use super::auth_links::{email_signal, go_to, normalize_email, with_email};
use crate::app::use_runtime_config;
use crate::auth::{cognito, pending_sign_up, use_auth};
use crate::components::auth_page::{AuthLink, AuthPage, FieldSpec, NoticeSignal, Text};
use crate::components::form::{FormError, FormState};
use crate::i18n::tr_auth;

/// Entering the code sent at sign-up, with a way to get a new one.
#[component]
pub fn ConfirmSignUp() -> impl IntoView {
    let auth = use_auth();
    let config = use_runtime_config().cognito;
    let go_to = go_to();
    let email = email_signal();
    let code = RwSignal::new(String::new());
    let form = FormState::new();
    let resend = FormState::new();
    let notice: NoticeSignal = RwSignal::new(None);

    let on_submit = {
        let config = config.clone();
        Rc::new(move || {
            let config = config.clone();
            let (email, code) = (normalize_email(&email.get_untracked()), code.get_untracked().trim().to_owned());
            let go_to = go_to.clone();
            form.run(Box::pin(async move {
                cognito::confirm_sign_up(&config, &email, &code).await?;
                // The password typed at sign-up, if this tab still has it:
                // signed in at once (the guest guard moves on to the rooms).
                let signed_in = match pending_sign_up::take(&email) {
                    Some(password) => cognito::sign_in(&config, &email, &password).await.ok(),
                    None => None,
                };
                match signed_in {
                    Some(session) => auth.begin(session),
                    None => go_to(&with_email("/signin", &email, Some("confirmed"))),
                }
                Ok(())
            }));
        })
    };
    let on_resend = move |_| {
        let config = config.clone();
        let email = normalize_email(&email.get_untracked());
        notice.set(None);
        resend.run(Box::pin(async move {
            cognito::resend_confirmation_code(&config, &email).await?;
            let sent: Text = |t| t.code_resent;
            notice.try_set(Some(sent));
            Ok(())
        }));
    };
    let resend_button = ViewFn::from(move || {
        let on_resend = on_resend.clone();
        view! {
            <FormError form=resend />
            <button type="button" class="button resend-code" on:click=on_resend disabled=move || resend.pending.get()>
                {tr_auth(|t| t.resend_code)}
            </button>
        }
    });

    view! {
        <AuthPage
            class="page-confirm"
            title=|t| t.confirm_title
            intro=|t| t.confirm_intro
            notice
            fields=vec![FieldSpec::email(email), FieldSpec::code(code)]
            form
            submit=|t| t.confirm_submit
            on_submit
            extra=resend_button
            links=vec![AuthLink::to("/signin", |t| t.back_to_sign_in)]
        />
    }
}
