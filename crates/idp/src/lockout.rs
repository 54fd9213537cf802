//! Back-off after failed sign-ins, as Cognito does it: five free attempts,
//! then a lock that starts at one second and doubles with each further
//! failure, capped at about fifteen minutes.

/// Failures allowed before the first lock.
pub const FREE_ATTEMPTS: u32 = 5;

/// Longest lock, in seconds.
pub const MAX_LOCK_SECS: i64 = 15 * 60;

/// Message Cognito answers with while an account is locked.
pub const LOCKED_MESSAGE: &str = "Password attempts exceeded";

/// How long to lock after the `failed_logins`-th consecutive failure.
pub fn lock_secs_after(failed_logins: u32) -> Option<i64> {
    let over = failed_logins.checked_sub(FREE_ATTEMPTS)?;
    // 2^over seconds; shifts past the cap would overflow, so clamp first.
    Some(if over >= 10 {
        MAX_LOCK_SECS
    } else {
        (1i64 << over).min(MAX_LOCK_SECS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_free_attempts_then_doubling_up_to_the_cap() {
        let locks: Vec<_> = (1..=17).map(lock_secs_after).collect();
        assert_eq!(&locks[..4], &[None, None, None, None]);
        assert_eq!(locks[4], Some(1)); // 5th failure
        assert_eq!(locks[5], Some(2));
        assert_eq!(locks[6], Some(4));
        assert_eq!(locks[13], Some(512));
        assert_eq!(locks[14], Some(MAX_LOCK_SECS));
        assert_eq!(lock_secs_after(u32::MAX), Some(MAX_LOCK_SECS));
    }
}
