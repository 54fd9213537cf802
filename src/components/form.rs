//! The pieces every sign-in form is made of: a labelled field, the error
//! announcement, the submit button, and the state of a pending request.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

use crate::auth::AuthError;
use crate::i18n::{use_i18n, AuthTexts};

/// A form's request state: whether one is running, and how the last failed.
#[derive(Clone, Copy)]
pub struct FormState {
    pub pending: RwSignal<bool>,
    pub error: RwSignal<Option<AuthError>>,
}

impl FormState {
    pub fn new() -> FormState {
        FormState { pending: RwSignal::new(false), error: RwSignal::new(None) }
    }

    /// Runs `task` unless one is already running (a double submit), showing
    /// its error if it fails. Success usually navigates away, which disposes
    /// the signals: hence `try_set`.
    /// (Boxed, so the task runner is compiled once for every form.)
    pub fn run(self, task: Pin<Box<dyn Future<Output = Result<(), AuthError>>>>) {
        if self.pending.get_untracked() {
            return;
        }
        self.pending.set(true);
        self.error.set(None);
        leptos::task::spawn_local(async move {
            let outcome = task.await;
            self.pending.try_set(false);
            if let Err(error) = outcome {
                self.error.try_set(Some(error));
            }
        });
    }

    /// Shows an error found before any request (e.g. a weak password).
    pub fn fail(self, error: AuthError) {
        self.error.set(Some(error));
    }
}

impl Default for FormState {
    fn default() -> Self {
        Self::new()
    }
}

/// The last error of a form, in the user's language. The element is always
/// there, so screen readers announce the text when it appears (role=alert).
#[component]
pub fn FormError(form: FormState) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="form-error" role="alert">
            {move || form.error.get().map(|error| error.describe(i18n.auth()))}
        </p>
    }
}

/// The submit button; says it is working while a request runs.
#[component]
pub fn SubmitButton(form: FormState, label: fn(&AuthTexts) -> &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let text = move || if form.pending.get() { i18n.auth().working } else { label(i18n.auth()) };
    view! {
        <button type="submit" class="button primary" disabled=move || form.pending.get() aria-busy=move || form.pending.get().then_some("true")>
            {text}
        </button>
    }
}

/// A polite status line (a code was sent, the account is confirmed...).
#[component]
pub fn Notice(text: RwSignal<Option<fn(&AuthTexts) -> &'static str>>) -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="notice" role="status">{move || text.get().map(|text| text(i18n.auth()))}</p> }
}
