//! Signing in against Cognito (or the embedded server's compatible provider)
//! and keeping the session: the context every page reads.
//!
//! For the chat UI:
//! ```ignore
//! let auth = moodchat_web::auth::use_auth();
//! // Reactive: re-runs when the user signs in or out, or the tokens refresh.
//! let token: Option<String> = auth.id_token();
//! let name = move || auth.user().map(|user| user.name);
//! // Only on sign-in/sign-out (not on each refresh): connect or disconnect.
//! Effect::new(move |_| if auth.signed_in.get() { /* connect */ });
//! ```

pub mod cognito;
pub mod error;
pub mod guard;
pub mod json;
pub mod pending_sign_up;
pub mod session;
pub mod srp_worker;

use std::time::Duration;

use leptos::prelude::*;
use moodchat_protocol::CognitoConfig;

pub use error::{AuthError, ErrorKind};
pub use session::{Session, User};

use crate::drafts;

/// How soon to try again when a refresh fails for lack of network; the
/// tokens may still be valid, and the session is kept.
const RETRY_AFTER_NETWORK_ERROR: Duration = Duration::from_secs(15);

/// The session, shared through context (it is `Copy`).
#[derive(Clone, Copy)]
pub struct Auth {
    /// The current session; `None` when signed out. Changes on sign-in,
    /// sign-out and every token refresh.
    pub session: RwSignal<Option<Session>>,
    /// Whether someone is signed in: changes only on sign-in and sign-out,
    /// so views that depend on it are not rebuilt on each refresh.
    pub signed_in: Memo<bool>,
    /// The session ended by itself (its refresh was refused): the sign-in
    /// page says so.
    pub expired: RwSignal<bool>,
    /// The email address typed on any of the sign-in pages, carried from one
    /// to the next (sign up -> confirm -> sign in, sign in -> forgot...).
    pub email: RwSignal<String>,
    /// Set by an explicit sign-out, so the guards do not remember the page
    /// as a place to come back to.
    signing_out: RwSignal<bool>,
    config: StoredValue<Option<CognitoConfig>>,
    refresh_timer: StoredValue<Option<TimeoutHandle>>,
}

/// Creates the session context from what an earlier visit kept.
pub fn provide_auth() -> Auth {
    let session = RwSignal::new(session::load());
    let auth = Auth {
        session,
        signed_in: Memo::new(move |_| session.with(Option::is_some)),
        expired: RwSignal::new(false),
        email: RwSignal::new(String::new()),
        signing_out: RwSignal::new(false),
        config: StoredValue::new(None),
        refresh_timer: StoredValue::new(None),
    };
    provide_context(auth);
    auth
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

impl Auth {
    /// The signed-in user (reactive).
    pub fn user(&self) -> Option<User> {
        self.session.with(|session| session.as_ref().map(|session| session.user.clone()))
    }

    /// The current ID token for the chat API (reactive: changes on refresh).
    pub fn id_token(&self) -> Option<String> {
        self.session.with(|session| session.as_ref().map(|session| session.id_token.clone()))
    }

    /// The provider to talk to; known once the runtime configuration loaded.
    pub fn config(&self) -> Option<CognitoConfig> {
        self.config.get_value()
    }

    /// Called once the runtime configuration is known: from then on the
    /// tokens are refreshed before they expire, for as long as the session
    /// lasts (including one restored from storage, maybe already expired).
    pub fn start(self, config: CognitoConfig) {
        self.config.set_value(Some(config));
        Effect::new(move |_| {
            let delay = self.session.with(|session| {
                session.as_ref().map(|session| session::refresh_delay_ms(session, js_sys::Date::now()))
            });
            self.cancel_refresh();
            if let Some(delay) = delay {
                self.schedule_refresh(Duration::from_millis(delay as u64));
            }
        });
    }

    /// Keeps a new session (after sign-in) and makes it current.
    pub fn begin(&self, new_session: Session) {
        session::save(&new_session);
        self.expired.set(false);
        self.signing_out.set(false);
        self.session.set(Some(new_session));
    }

    /// Signs out on purpose: forgets the tokens, the drafts and the page to
    /// return to here, and ends the session at the provider in the background.
    pub fn sign_out(&self) {
        self.signing_out.set(true);
        let ended = self.session.get_untracked();
        self.cancel_refresh();
        session::forget();
        session::forget_return_to();
        drafts::clear_all();
        self.session.set(None);
        if let (Some(ended), Some(config)) = (ended, self.config()) {
            leptos::task::spawn_local(sign_out_at_provider(config, ended));
        }
    }

    /// The session cannot be renewed: back to the sign-in page, keeping the
    /// drafts and (through the route guard) the page to return to.
    pub fn expire(&self) {
        self.cancel_refresh();
        session::forget();
        self.expired.set(true);
        self.session.set(None);
    }

    /// Whether the session just ended by an explicit sign-out (then the
    /// route guard does not remember the page); asking resets it.
    pub(crate) fn take_signing_out(&self) -> bool {
        let signing_out = self.signing_out.get_untracked();
        self.signing_out.set(false);
        signing_out
    }

    fn cancel_refresh(&self) {
        if let Some(timer) = self.refresh_timer.try_update_value(Option::take).flatten() {
            timer.clear();
        }
    }

    fn schedule_refresh(self, delay: Duration) {
        let timer = set_timeout_with_handle(move || self.refresh_now(), delay).ok();
        self.refresh_timer.set_value(timer);
    }

    fn refresh_now(self) {
        leptos::task::spawn_local(refresh(self));
    }
}

split_fn! { session_renewal:
    /// Trades the refresh token for new tokens. A chunk of its own (with
    /// the provider's client and its error texts, shared with the sign-in
    /// pages): it first runs a minute before the tokens expire.
    async fn refresh(auth: Auth) {
        let (Some(config), Some(current)) = (auth.config(), auth.session.get_untracked()) else { return };
        match cognito::refresh(&config, &current).await {
            // Setting the session saves it and (through the effect in
            // `start`) schedules the next refresh.
            Ok(renewed) => {
                // Signed out (or in as someone else) while the request ran: drop it.
                if auth.session.with_untracked(|now| now.as_ref().map(|s| &s.refresh_token) == Some(&current.refresh_token)) {
                    session::save(&renewed);
                    auth.session.set(Some(renewed));
                }
            }
            Err(AuthError::Network) => auth.schedule_refresh(RETRY_AFTER_NETWORK_ERROR),
            Err(_) => auth.expire(),
        }
    }
}

split_fn! { session_renewal:
    /// Ends the session at the provider, in the background of a sign-out.
    async fn sign_out_at_provider(config: CognitoConfig, ended: Session) {
        cognito::sign_out(&config, &ended).await
    }
}
