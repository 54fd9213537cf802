use std::rc::Rc;

use leptos::prelude::*;

use super::auth_links::{email_signal, go_to, normalize_email, with_email};
use crate::app::use_runtime_config;
use crate::auth::cognito;
use crate::components::auth_page::{AuthLink, AuthPage, FieldSpec};
use crate::components::form::FormState;

/// Asking for a reset code by email.
#[component]
pub fn ForgotPassword() -> impl IntoView {
    let config = use_runtime_config().cognito;
    let go_to = go_to();
    let email = email_signal();
    let form = FormState::new();

    let on_submit = Rc::new(move || {
        let config = config.clone();
        let email = normalize_email(&email.get_untracked());
        let go_to = go_to.clone();
        form.run(Box::pin(async move {
            cognito::forgot_password(&config, &email).await?;
            go_to(&with_email("/reset-password", &email, None));
            Ok(())
        }));
    });

    view! {
        <AuthPage
            class="page-forgot-password"
            title=|t| t.forgot_title
            intro=|t| t.forgot_intro
            fields=vec![FieldSpec::email(email)]
            form
            submit=|t| t.forgot_submit
            on_submit
            links=vec![AuthLink::to("/signin", |t| t.back_to_sign_in)]
        />
    }
}
