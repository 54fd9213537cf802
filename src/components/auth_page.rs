//! The one layout every sign-in page uses (sign in, sign up, confirm, forgot,
//! reset): a title, an intro, a status notice, labelled fields, the error
//! announcement, a submit button and links.
//!
//! The pages describe themselves as data (`AuthPage` props) instead of each
//! writing its own view tree: Leptos generates rendering code per distinct
//! view type, so five pages sharing one component cost the bundle about as
//! much as one.

use std::rc::Rc;

use leptos::prelude::*;

use super::form::{FormError, FormState, Notice, SubmitButton};
use super::password_hints::{PasswordHints, PASSWORD_HINTS_ID};
use crate::i18n::{tr_auth, AuthTexts};

pub type Text = fn(&AuthTexts) -> &'static str;

/// One input of a form.
#[derive(Clone)]
pub struct FieldSpec {
    pub id: &'static str,
    pub label: Text,
    pub value: RwSignal<String>,
    /// `text`, `email`, `password`.
    pub kind: &'static str,
    /// What browsers and password managers may fill in: `username`,
    /// `current-password`, `new-password`, `one-time-code`, `name`.
    pub autocomplete: &'static str,
}

impl FieldSpec {
    pub fn email(value: RwSignal<String>) -> FieldSpec {
        FieldSpec { id: "email", label: |t| t.email_label, value, kind: "email", autocomplete: "username" }
    }

    pub fn code(value: RwSignal<String>) -> FieldSpec {
        FieldSpec { id: "code", label: |t| t.code_label, value, kind: "text", autocomplete: "one-time-code" }
    }

    /// A password the user chooses: the policy hints follow it as they type.
    pub fn new_password(label: Text, value: RwSignal<String>) -> FieldSpec {
        FieldSpec { id: "password", label, value, kind: "password", autocomplete: "new-password" }
    }
}

/// A link under the form, after an optional lead-in sentence. (The email
/// typed so far travels in `Auth::email`, so links need no query string.)
pub struct AuthLink {
    pub lead: Option<Text>,
    pub label: Text,
    pub href: &'static str,
}

impl AuthLink {
    pub fn to(href: &'static str, label: Text) -> AuthLink {
        AuthLink { lead: None, label, href }
    }
}

/// A status line's text, if any (a code was sent, the account is confirmed...).
pub type NoticeSignal = RwSignal<Option<Text>>;

#[component]
pub fn AuthPage(
    /// Names the page for styling and tests, e.g. `page-sign-in`.
    class: &'static str,
    title: Text,
    intro: Text,
    fields: Vec<FieldSpec>,
    form: FormState,
    submit: Text,
    on_submit: Rc<dyn Fn()>,
    #[prop(optional)] notice: Option<NoticeSignal>,
    #[prop(optional)] links: Vec<AuthLink>,
    /// Anything else inside the form, after the error (a resend button...).
    #[prop(optional)]
    extra: Option<ViewFn>,
) -> impl IntoView {
    let fields = fields
        .into_iter()
        .map(|field| {
            let new_password = field.autocomplete == "new-password";
            let input_mode = (field.autocomplete == "one-time-code").then_some("numeric");
            let FieldSpec { id, label, value, kind, autocomplete } = field;
            view! {
                <div class="field">
                    <label for=id>{tr_auth(label)}</label>
                    <input
                        id=id
                        name=id
                        type=kind
                        autocomplete=autocomplete
                        inputmode=input_mode
                        aria-describedby=new_password.then_some(PASSWORD_HINTS_ID)
                        required
                        prop:value=move || value.get()
                        on:input=move |event| value.set(event_target_value(&event))
                    />
                </div>
                {new_password.then(|| view! { <PasswordHints password=value /> })}
            }
        })
        .collect_view();
    let links = links
        .into_iter()
        .map(|AuthLink { lead, label, href }| {
            view! {
                <span>
                    {lead.map(|lead| view! { {tr_auth(lead)} " " })}
                    <a href=href>{tr_auth(label)}</a>
                </span>
            }
        })
        .collect_view();
    view! {
        <section class=["page page-auth ", class].concat()>
            <h1>{tr_auth(title)}</h1>
            <p class="muted">{tr_auth(intro)}</p>
            <Notice text=notice.unwrap_or_else(|| RwSignal::new(None)) />
            <form
                class="auth-form"
                on:submit=move |event| {
                    event.prevent_default();
                    on_submit();
                }
            >
                {fields}
                <FormError form />
                {extra.map(|extra| extra.run())}
                <SubmitButton form label=submit />
            </form>
            <p class="auth-links">{links}</p>
        </section>
    }
}
