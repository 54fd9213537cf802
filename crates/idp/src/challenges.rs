//! Pending PASSWORD_VERIFIER challenges, in memory.
//!
//! Cognito returns no Session for USER_SRP_AUTH, so the SECRET_BLOCK is the
//! handle: clients echo it back as PASSWORD_CLAIM_SECRET_BLOCK. We key the
//! state by it, hand each out once (taking it removes it) and let it expire
//! after a few minutes. A restart forgets pending challenges; clients just
//! sign in again.

use std::collections::HashMap;
use std::sync::Mutex;

use rand::RngCore;

/// Length in bytes of a SECRET_BLOCK.
pub const SECRET_BLOCK_LEN: usize = 64;

/// How long a challenge may be answered, in seconds.
pub const CHALLENGE_TTL_SECS: i64 = 5 * 60;

/// Bound on simultaneous pending challenges, so a flood of InitiateAuth calls
/// can't exhaust memory.
const MAX_PENDING: usize = 10_000;

/// What the server remembers between InitiateAuth and RespondToAuthChallenge.
/// The ephemeral b is not kept: the session key is derived at once.
#[derive(Debug, Clone)]
pub struct PendingChallenge {
    /// The user, or `None` for the simulated challenge of an unknown name.
    pub sub: Option<String>,
    /// USER_ID_FOR_SRP as issued (signed into the proof).
    pub user_id_for_srp: String,
    /// The SRP session key K.
    pub session_key: [u8; 16],
    pub expires_at: i64,
}

#[derive(Debug)]
pub struct TooManyPending;

pub struct Challenges {
    pending: Mutex<HashMap<Vec<u8>, PendingChallenge>>,
    capacity: usize,
}

impl Default for Challenges {
    fn default() -> Self {
        Self::with_capacity(MAX_PENDING)
    }
}

impl Challenges {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            pending: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// Stores a challenge and returns its fresh random SECRET_BLOCK bytes.
    pub fn insert(&self, challenge: PendingChallenge, now: i64) -> Result<Vec<u8>, TooManyPending> {
        let mut secret_block = vec![0u8; SECRET_BLOCK_LEN];
        rand::rngs::OsRng.fill_bytes(&mut secret_block);
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if pending.len() >= self.capacity {
            pending.retain(|_, c| c.expires_at > now);
            if pending.len() >= self.capacity {
                return Err(TooManyPending);
            }
        }
        pending.insert(secret_block.clone(), challenge);
        Ok(secret_block)
    }

    /// Removes and returns the challenge for a SECRET_BLOCK if it is still
    /// live. A second call with the same block finds nothing.
    pub fn take(&self, secret_block: &[u8], now: i64) -> Option<PendingChallenge> {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pending.remove(secret_block).filter(|c| c.expires_at > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(expires_at: i64) -> PendingChallenge {
        PendingChallenge {
            sub: Some("s".into()),
            user_id_for_srp: "s".into(),
            session_key: [0; 16],
            expires_at,
        }
    }

    #[test]
    fn a_secret_block_is_good_once_and_only_until_it_expires() {
        let challenges = Challenges::default();
        let block = challenges.insert(challenge(100), 0).unwrap();
        assert_eq!(block.len(), SECRET_BLOCK_LEN);
        assert!(challenges.take(&block, 99).is_some());
        assert!(challenges.take(&block, 99).is_none());
        let late = challenges.insert(challenge(100), 0).unwrap();
        assert!(challenges.take(&late, 100).is_none());
    }

    #[test]
    fn a_full_table_makes_room_only_by_dropping_expired_challenges() {
        let challenges = Challenges::with_capacity(2);
        challenges.insert(challenge(10), 0).unwrap();
        challenges.insert(challenge(100), 0).unwrap();
        assert!(challenges.insert(challenge(100), 5).is_err());
        // At 10 the first one has expired and its slot is reused.
        let block = challenges.insert(challenge(100), 10).unwrap();
        assert!(challenges.take(&block, 10).is_some());
    }
}
