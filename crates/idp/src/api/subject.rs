//! Whom a PASSWORD_VERIFIER challenge was issued for, and how a failed
//! proof is recorded: for an account in its row, for a name without one in
//! `unknown_logins`. Both cost one read and one write, so the second SRP
//! step takes the same time either way.

use crate::challenges::PendingChallenge;
use crate::error::ApiError;
use crate::lockout;
use crate::store::User;
use crate::Inner;

/// Whom a challenge was issued for: an account, or a name without one.
pub enum Subject {
    Account(User),
    /// The simulated USER_ID_FOR_SRP of an unknown name, and its failure
    /// count (`unknown_logins`).
    Unknown { key: String, failed_logins: u32, locked_until: i64 },
}

impl Subject {
    /// One database read either way.
    pub fn of(inner: &Inner, challenge: &PendingChallenge) -> Result<Subject, ApiError> {
        let account = match &challenge.sub {
            Some(sub) => inner.store.find_user_by_sub(sub)?,
            None => None,
        };
        Ok(match account {
            Some(user) => Subject::Account(user),
            None => {
                let key = challenge.user_id_for_srp.clone();
                let (failed_logins, locked_until) = inner.store.unknown_login_failures(&key)?;
                Subject::Unknown { key, failed_logins, locked_until }
            }
        })
    }

    pub fn locked_until(&self) -> i64 {
        match self {
            Subject::Account(user) => user.locked_until,
            Subject::Unknown { locked_until, .. } => *locked_until,
        }
    }
}

/// One more failure, and the lock it earns, written either way.
pub fn record_failed_login(inner: &Inner, subject: &Subject, now: i64) -> Result<(), ApiError> {
    let (failed_logins, key) = match subject {
        Subject::Account(user) => (user.failed_logins, &user.sub),
        Subject::Unknown { key, failed_logins, .. } => (*failed_logins, key),
    };
    let failures = failed_logins.saturating_add(1);
    let locked_until = lockout::lock_secs_after(failures).map_or(0, |secs| now + secs);
    match subject {
        Subject::Account(user) => inner.store.set_login_failures(&user.sub, failures, locked_until)?,
        Subject::Unknown { key, .. } => inner.store.set_unknown_login_failures(key, failures, locked_until, now)?,
    }
    if locked_until > 0 {
        tracing::warn!(sub = %key, failures, locked_until, "idp: sign-in locked after failures");
    }
    Ok(())
}
