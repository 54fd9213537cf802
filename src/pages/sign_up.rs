use std::rc::Rc;

use leptos::prelude::*;

use super::auth_links::{email_signal, go_to, normalize_email, with_email};
use crate::app::use_runtime_config;
use moodchat_protocol::password::is_acceptable;
use crate::auth::{cognito, pending_sign_up, use_auth, AuthError};
use crate::components::auth_page::{AuthLink, AuthPage, FieldSpec};
use crate::components::form::FormState;

#[component]
pub fn SignUp() -> impl IntoView {
    let auth = use_auth();
    let config = use_runtime_config().cognito;
    let go_to = go_to();
    let email = email_signal();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = FormState::new();

    let on_submit = Rc::new(move || {
        let password = password.get_untracked();
        if !is_acceptable(&password) {
            // The hints already say what is missing; no need to ask the server.
            return form.fail(AuthError::from_service("InvalidPasswordException", ""));
        }
        let config = config.clone();
        let (email, name) = (normalize_email(&email.get_untracked()), name.get_untracked().trim().to_owned());
        let go_to = go_to.clone();
        form.run(Box::pin(async move {
            if cognito::sign_up(&config, &email, &name, &password).await? {
                // Confirmed at once (a pool that auto-confirms): sign straight in.
                auth.begin(cognito::sign_in(&config, &email, &password).await?);
            } else {
                pending_sign_up::hold(&email, &password);
                go_to(&with_email("/confirm", &email, None));
            }
            Ok(())
        }));
    });

    view! {
        <AuthPage
            class="page-sign-up"
            title=|t| t.sign_up_title
            intro=|t| t.sign_up_intro
            fields=vec![
                FieldSpec::email(email),
                FieldSpec { id: "name", label: |t| t.name_label, value: name, kind: "text", autocomplete: "name" },
                FieldSpec::new_password(|t| t.password_label, password),
            ]
            form
            submit=|t| t.sign_up_submit
            on_submit
            links=vec![AuthLink { lead: Some(|t| t.have_account), ..AuthLink::to("/signin", |t| t.sign_in_title) }]
        />
    }
}
