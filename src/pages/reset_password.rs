use std::rc::Rc;

use leptos::prelude::*;

use super::auth_links::{email_signal, go_to, normalize_email, with_email};
use crate::app::use_runtime_config;
use moodchat_protocol::password::is_acceptable;
use crate::auth::{cognito, AuthError};
use crate::components::auth_page::{AuthLink, AuthPage, FieldSpec};
use crate::components::form::FormState;

/// The reset code from the email and a new password.
#[component]
pub fn ResetPassword() -> impl IntoView {
    let config = use_runtime_config().cognito;
    let go_to = go_to();
    let email = email_signal();
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = FormState::new();

    let on_submit = Rc::new(move || {
        let password = password.get_untracked();
        if !is_acceptable(&password) {
            return form.fail(AuthError::from_service("InvalidPasswordException", ""));
        }
        let config = config.clone();
        let (email, code) = (normalize_email(&email.get_untracked()), code.get_untracked().trim().to_owned());
        let go_to = go_to.clone();
        form.run(Box::pin(async move {
            cognito::confirm_forgot_password(&config, &email, &code, &password).await?;
            go_to(&with_email("/signin", &email, Some("reset")));
            Ok(())
        }));
    });

    view! {
        <AuthPage
            class="page-reset-password"
            title=|t| t.reset_title
            intro=|t| t.reset_intro
            fields=vec![FieldSpec::email(email), FieldSpec::code(code), FieldSpec::new_password(|t| t.new_password_label, password)]
            form
            submit=|t| t.reset_submit
            on_submit
            links=vec![AuthLink::to("/signin", |t| t.back_to_sign_in)]
        />
    }
}
