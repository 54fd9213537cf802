//! Telling the embedding server that sign-in sessions ended (GlobalSignOut,
//! a password reset, RevokeToken), so that it can close what outlives a
//! request: a WebSocket opened with an id token of such a session. Cognito's
//! tokens stay valid until they expire; connections need not.

use std::sync::{Arc, RwLock};

/// Sign-in sessions that just ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// Every session of the user: GlobalSignOut, or a password reset.
    AllSessions { sub: String },
    /// One sign-in session (RevokeToken of its refresh token); `session` is
    /// the `origin_jti` claim of its id and access tokens.
    Session { sub: String, session: String },
}

type Listener = Arc<dyn Fn(&Revocation) + Send + Sync>;

/// The listeners, told synchronously, right after the revocation is stored.
#[derive(Default)]
pub(crate) struct Revocations {
    listeners: RwLock<Vec<Listener>>,
}

impl Revocations {
    pub fn listen(&self, listener: Listener) {
        self.listeners.write().unwrap_or_else(|poisoned| poisoned.into_inner()).push(listener);
    }

    pub fn announce(&self, revocation: Revocation) {
        let listeners = self.listeners.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        for listener in listeners {
            listener(&revocation);
        }
    }
}
