use std::rc::Rc;

use leptos::prelude::*;

use super::auth_links::{email_signal, normalize_email, query_param};
use crate::app::use_runtime_config;
use crate::auth::{cognito, srp_worker, use_auth, ErrorKind};
use crate::components::auth_page::{AuthLink, AuthPage, FieldSpec, Text};
use crate::components::form::FormState;
use crate::i18n::tr_auth;

#[component]
pub fn SignIn() -> impl IntoView {
    let auth = use_auth();
    let config = use_runtime_config().cognito;
    // Start loading the SRP worker while the user types.
    srp_worker::preload();

    let email = email_signal();
    let password = RwSignal::new(String::new());
    let form = FormState::new();

    // Why the user is here, when it is not their own choice.
    let notice: Option<Text> = match query_param("notice").as_deref() {
        Some("confirmed") => Some(|t| t.notice_confirmed),
        Some("reset") => Some(|t| t.notice_password_reset),
        _ if auth.expired.get_untracked() => Some(|t| t.notice_session_expired),
        _ => None,
    };
    let on_submit = Rc::new(move || {
        let config = config.clone();
        let (email, password) = (normalize_email(&email.get_untracked()), password.get_untracked());
        form.run(Box::pin(async move {
            let session = cognito::sign_in(&config, &email, &password).await?;
            // The guest guard now sends the user on to where they were going.
            auth.begin(session);
            Ok(())
        }));
    });
    // An unconfirmed account gets a way to confirm it right there.
    let confirm_link = ViewFn::from(move || {
        let unconfirmed = move || form.error.with(|error| error.as_ref().map(|error| error.kind())) == Some(ErrorKind::UserNotConfirmed);
        move || unconfirmed().then(|| view! { <a class="button confirm-link" href="/confirm">{tr_auth(|t| t.confirm_account_link)}</a> })
    });

    view! {
        <AuthPage
            class="page-sign-in"
            title=|t| t.sign_in_title
            intro=|t| t.sign_in_intro
            notice=RwSignal::new(notice)
            fields=vec![
                FieldSpec::email(email),
                FieldSpec { id: "password", label: |t| t.password_label, value: password, kind: "password", autocomplete: "current-password" },
            ]
            form
            submit=|t| t.sign_in_submit
            on_submit
            extra=confirm_link
            links=vec![
                AuthLink::to("/forgot-password", |t| t.forgot_password_link),
                AuthLink { lead: Some(|t| t.no_account), ..AuthLink::to("/signup", |t| t.create_account_link) },
            ]
        />
    }
}
