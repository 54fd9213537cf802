//! Pending PASSWORD_VERIFIER challenges, in memory.
//!
//! Cognito returns no Session for USER_SRP_AUTH, so the SECRET_BLOCK is the
//! handle: clients echo it back as PASSWORD_CLAIM_SECRET_BLOCK. We key the
//! state by it, hand each out once (taking it removes it) and let it expire
//! after a few minutes. A restart forgets pending challenges; clients just
//! sign in again.
//!
//! The table is bounded three ways, and a full bound evicts the oldest entry
//! under it instead of refusing the new one: per user name (someone hammering
//! one name only pushes out that name's older challenges), per client address
//! (one client only pushes out its own), and in total (only many clients
//! together reach it, and then the oldest challenge, the one least likely to
//! be answered, goes). A sign-in answers within seconds, so a fresh challenge
//! survives any flood that the per-client rate limit lets through.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use moodchat_limits::ClientAddress;
use rand::RngCore;

/// Length in bytes of a SECRET_BLOCK.
pub const SECRET_BLOCK_LEN: usize = 64;

/// How long a challenge may be answered, in seconds.
pub const CHALLENGE_TTL_SECS: i64 = 5 * 60;

/// How many challenges may be pending at once, in total, per client
/// address and per user name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChallengeBounds {
    pub total: usize,
    pub per_client: usize,
    pub per_name: usize,
}

impl Default for ChallengeBounds {
    fn default() -> Self {
        Self { total: 10_000, per_client: 50, per_name: 5 }
    }
}

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

/// Who asked for a challenge: the bounds' keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requester {
    /// The user name as typed, case-folded.
    pub name: String,
    /// `None` when the embedding server did not say (in-process use).
    pub client: Option<ClientAddress>,
}

struct Entry {
    secret_block: Vec<u8>,
    challenge: PendingChallenge,
    requester: Requester,
}

/// Entries by insertion order (a sequence number), which is also expiry
/// order: every challenge lives the same TTL.
#[derive(Default)]
struct Table {
    entries: BTreeMap<u64, Entry>,
    by_block: HashMap<Vec<u8>, u64>,
    by_name: HashMap<String, VecDeque<u64>>,
    by_client: HashMap<Option<ClientAddress>, VecDeque<u64>>,
    next: u64,
}

pub struct Challenges {
    table: Mutex<Table>,
    bounds: ChallengeBounds,
}

impl Default for Challenges {
    fn default() -> Self {
        Self::new(ChallengeBounds::default())
    }
}

impl Challenges {
    pub fn new(bounds: ChallengeBounds) -> Self {
        let at_least_one = |n: usize| n.max(1);
        let bounds = ChallengeBounds {
            total: at_least_one(bounds.total),
            per_client: at_least_one(bounds.per_client),
            per_name: at_least_one(bounds.per_name),
        };
        Self { table: Mutex::new(Table::default()), bounds }
    }

    /// Stores a challenge and returns its fresh random SECRET_BLOCK bytes,
    /// making room by evicting as the module documentation says.
    pub fn insert(&self, challenge: PendingChallenge, requester: Requester, now: i64) -> Vec<u8> {
        let mut secret_block = vec![0u8; SECRET_BLOCK_LEN];
        rand::rngs::OsRng.fill_bytes(&mut secret_block);
        let mut table = self.lock();
        table.drop_expired(now);
        if let Some(oldest) = table.oldest_of_name(&requester.name, self.bounds.per_name) {
            table.remove(oldest);
        }
        if let Some(oldest) = table.oldest_of_client(&requester.client, self.bounds.per_client) {
            table.remove(oldest);
        }
        if table.entries.len() >= self.bounds.total {
            if let Some(oldest) = table.entries.keys().next().copied() {
                table.remove(oldest);
            }
        }
        table.add(secret_block.clone(), challenge, requester);
        secret_block
    }

    /// Removes and returns the challenge for a SECRET_BLOCK if it is still
    /// live. A second call with the same block finds nothing.
    pub fn take(&self, secret_block: &[u8], now: i64) -> Option<PendingChallenge> {
        let mut table = self.lock();
        let seq = table.by_block.get(secret_block).copied()?;
        table.remove(seq).filter(|challenge| challenge.expires_at > now)
    }

    /// How many are pending (expired ones included until the next insert).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Table {
    fn add(&mut self, secret_block: Vec<u8>, challenge: PendingChallenge, requester: Requester) {
        let seq = self.next;
        self.next += 1;
        self.by_block.insert(secret_block.clone(), seq);
        self.by_name.entry(requester.name.clone()).or_default().push_back(seq);
        self.by_client.entry(requester.client).or_default().push_back(seq);
        self.entries.insert(seq, Entry { secret_block, challenge, requester });
    }

    fn remove(&mut self, seq: u64) -> Option<PendingChallenge> {
        let entry = self.entries.remove(&seq)?;
        self.by_block.remove(&entry.secret_block);
        forget(&mut self.by_name, &entry.requester.name, seq);
        forget(&mut self.by_client, &entry.requester.client, seq);
        Some(entry.challenge)
    }

    fn drop_expired(&mut self, now: i64) {
        while let Some((&seq, entry)) = self.entries.iter().next() {
            if entry.challenge.expires_at > now {
                break;
            }
            self.remove(seq);
        }
    }

    /// The oldest challenge of `name` when it already has `bound` of them.
    fn oldest_of_name(&self, name: &str, bound: usize) -> Option<u64> {
        self.by_name.get(name).filter(|seqs| seqs.len() >= bound).and_then(|seqs| seqs.front().copied())
    }

    fn oldest_of_client(&self, client: &Option<ClientAddress>, bound: usize) -> Option<u64> {
        self.by_client.get(client).filter(|seqs| seqs.len() >= bound).and_then(|seqs| seqs.front().copied())
    }
}

/// Removes `seq` from `key`'s list, and the list when it is empty, so the
/// indexes never outgrow the entries.
fn forget<K: std::hash::Hash + Eq + Clone>(index: &mut HashMap<K, VecDeque<u64>>, key: &K, seq: u64) {
    if let Some(seqs) = index.get_mut(key) {
        seqs.retain(|&s| s != seq);
        if seqs.is_empty() {
            index.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(expires_at: i64) -> PendingChallenge {
        PendingChallenge { sub: Some("s".into()), user_id_for_srp: "s".into(), session_key: [0; 16], expires_at }
    }

    fn from(name: &str, client: u8) -> Requester {
        Requester { name: name.into(), client: Some(ClientAddress::new([10, 0, 0, client].into())) }
    }

    fn bounded(total: usize, per_client: usize, per_name: usize) -> Challenges {
        Challenges::new(ChallengeBounds { total, per_client, per_name })
    }

    #[test]
    fn a_secret_block_is_good_once_and_only_until_it_expires() {
        let challenges = Challenges::default();
        let block = challenges.insert(challenge(100), from("a", 1), 0);
        assert_eq!(block.len(), SECRET_BLOCK_LEN);
        assert!(challenges.take(&block, 99).is_some());
        assert!(challenges.take(&block, 99).is_none());
        let late = challenges.insert(challenge(100), from("a", 1), 0);
        assert!(challenges.take(&late, 100).is_none());
    }

    #[test]
    fn one_name_only_pushes_out_its_own_older_challenges() {
        let challenges = bounded(100, 100, 2);
        let other = challenges.insert(challenge(100), from("bob", 1), 0);
        let first = challenges.insert(challenge(100), from("alice", 2), 0);
        let second = challenges.insert(challenge(100), from("alice", 3), 0);
        let third = challenges.insert(challenge(100), from("alice", 4), 0);
        assert!(challenges.take(&first, 1).is_none(), "the oldest of alice's went");
        assert!(challenges.take(&second, 1).is_some() && challenges.take(&third, 1).is_some());
        assert!(challenges.take(&other, 1).is_some());
    }

    #[test]
    fn one_client_only_pushes_out_its_own_older_challenges() {
        let challenges = bounded(100, 3, 100);
        let victim = challenges.insert(challenge(100), from("victim", 7), 0);
        let flood: Vec<_> = (0..50).map(|i| challenges.insert(challenge(100), from(&format!("r{i}"), 66), 0)).collect();
        assert_eq!(challenges.len(), 4, "three of the flood and the victim's");
        assert!(challenges.take(&flood[49], 1).is_some());
        assert!(challenges.take(&flood[0], 1).is_none());
        assert!(challenges.take(&victim, 1).is_some());
    }

    #[test]
    fn a_full_table_evicts_its_oldest_instead_of_refusing() {
        let challenges = bounded(3, 100, 100);
        let blocks: Vec<_> = (0..5).map(|i| challenges.insert(challenge(100), from(&format!("n{i}"), i), 0)).collect();
        assert_eq!(challenges.len(), 3);
        assert!(challenges.take(&blocks[0], 1).is_none() && challenges.take(&blocks[1], 1).is_none());
        assert!(blocks[2..].iter().all(|block| challenges.take(block, 1).is_some()));
    }

    #[test]
    fn expired_challenges_are_dropped_and_indexes_do_not_leak() {
        let challenges = bounded(100, 100, 100);
        for i in 0..20 {
            challenges.insert(challenge(10), from(&format!("n{i}"), i), 0);
        }
        challenges.insert(challenge(200), from("late", 99), 10);
        assert_eq!(challenges.len(), 1);
        let table = challenges.lock();
        assert_eq!((table.by_name.len(), table.by_client.len(), table.by_block.len()), (1, 1, 1));
    }
}
