//! SQLite persistence: users (salt and verifier, never a password), pending
//! codes, refresh-token families and the provider's secret.
//!
//! One connection behind a mutex: the provider's write rate is tiny, and a
//! single connection serialises read-check-write sequences (confirm a user,
//! spend a code) without explicit transactions. Callers run on the blocking
//! thread pool. Times are Unix seconds.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::IdpError;

mod unknown_logins;

/// Schema version this build writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 2;

/// Migrations, index i upgrades version i to i + 1.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE users (
    sub             TEXT PRIMARY KEY,
    username        TEXT NOT NULL,
    username_key    TEXT NOT NULL UNIQUE,
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL,
    email_verified  INTEGER NOT NULL,
    name            TEXT,
    confirmed       INTEGER NOT NULL,
    salt            BLOB NOT NULL,
    verifier        BLOB NOT NULL,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX users_by_email ON users(email_key);
CREATE TABLE codes (
    sub             TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
    purpose         TEXT NOT NULL,
    code_mac        BLOB NOT NULL,
    expires_at      INTEGER NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sub, purpose)
);
CREATE TABLE code_sends (
    sub      TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
    purpose  TEXT NOT NULL,
    sent_at  INTEGER NOT NULL
);
CREATE INDEX code_sends_by_user ON code_sends(sub, purpose, sent_at);
CREATE TABLE refresh_tokens (
    token_hash  BLOB PRIMARY KEY,
    family      TEXT NOT NULL UNIQUE,
    sub         TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
    client_id   TEXT NOT NULL,
    auth_time   INTEGER NOT NULL,
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens(sub);
"#, unknown_logins::MIGRATION];

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Immutable id (UUID); also USER_ID_FOR_SRP and the tokens' `sub`.
    pub sub: String,
    /// The username as given at sign-up (matched case-insensitively).
    pub username: String,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
    pub confirmed: bool,
    pub salt: Vec<u8>,
    pub verifier: Vec<u8>,
    /// Consecutive failed sign-ins since the last success.
    pub failed_logins: u32,
    /// Sign-ins are refused until this instant.
    pub locked_until: i64,
}

/// A user about to be created.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub sub: &'a str,
    pub username: &'a str,
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub confirmed: bool,
    pub salt: &'a [u8],
    pub verifier: &'a [u8],
    pub now: i64,
}

/// What a one-time code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    ConfirmSignUp,
    ResetPassword,
}

impl CodePurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::ConfirmSignUp => "confirm_sign_up",
            Self::ResetPassword => "reset_password",
        }
    }
}

/// A pending code, kept as a keyed MAC so the database alone doesn't reveal it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub code_mac: Vec<u8>,
    pub expires_at: i64,
    pub failed_attempts: u32,
}

/// One sign-in session: the refresh token and every token minted from it
/// share the family id (the tokens' `origin_jti`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshFamily {
    pub family: String,
    pub sub: String,
    pub client_id: String,
    pub auth_time: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

pub struct Store {
    connection: Mutex<Connection>,
}

impl Store {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, IdpError> {
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&connection)?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (statements
        // are atomic), so a poisoned lock is still usable.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Returns the value stored under `key`, storing `make()` first if absent.
    pub fn meta_get_or_insert(
        &self,
        key: &str,
        make: impl FnOnce() -> Vec<u8>,
    ) -> rusqlite::Result<Vec<u8>> {
        let connection = self.lock();
        let existing: Option<Vec<u8>> = connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?;
        if let Some(value) = existing {
            return Ok(value);
        }
        let value = make();
        connection.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(value)
    }

    /// Inserts a user; `Ok(false)` when the username is taken.
    pub fn insert_user(&self, user: &NewUser<'_>) -> rusqlite::Result<bool> {
        let result = self.lock().execute(
            "INSERT INTO users (sub, username, username_key, email, email_key, email_verified,
                                name, confirmed, salt, verifier, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?8, ?9, ?10, ?10)",
            params![
                user.sub,
                user.username,
                fold_case(user.username),
                user.email,
                fold_case(user.email),
                user.confirmed,
                user.name,
                user.salt,
                user.verifier,
                user.now
            ],
        );
        match result {
            Ok(_) => Ok(true),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Ok(false)
            }
            Err(other) => Err(other),
        }
    }

    /// Finds the user a sign-in name refers to: a username (any case), a sub,
    /// or the verified email of a confirmed user (Cognito's email alias).
    ///
    /// Confirmed accounts win over unconfirmed ones, so nobody can squat a
    /// confirmed user's email or sub by signing up with it as a username and
    /// never confirming.
    pub fn find_user_by_login(&self, login: &str) -> rusqlite::Result<Option<User>> {
        self.lock()
            .query_row(
                &format!(
                    "SELECT {USER_COLUMNS} FROM users
                     WHERE username_key = ?1 OR sub = ?2
                        OR (email_key = ?1 AND email_verified = 1 AND confirmed = 1)
                     ORDER BY confirmed DESC, username_key = ?1 DESC, created_at
                     LIMIT 1"
                ),
                params![fold_case(login), login],
                user_from_row,
            )
            .optional()
    }

    pub fn find_user_by_sub(&self, sub: &str) -> rusqlite::Result<Option<User>> {
        self.lock()
            .query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE sub = ?1"),
                [sub],
                user_from_row,
            )
            .optional()
    }

    /// Whether another confirmed user already owns this email as a verified
    /// alias (Cognito's AliasExistsException case).
    pub fn verified_email_owned_by_other(&self, email: &str, sub: &str) -> rusqlite::Result<bool> {
        self.lock().query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE email_key = ?1 AND sub != ?2
                            AND email_verified = 1 AND confirmed = 1)",
            params![fold_case(email), sub],
            |row| row.get(0),
        )
    }

    /// Marks the user confirmed with a verified email (the code went there).
    pub fn confirm_user(&self, sub: &str, now: i64) -> rusqlite::Result<()> {
        self.lock().execute(
            "UPDATE users SET confirmed = 1, email_verified = 1, updated_at = ?2 WHERE sub = ?1",
            params![sub, now],
        )?;
        Ok(())
    }

    /// Replaces the user's salt and verifier and lifts any lockout.
    pub fn set_credentials(
        &self,
        sub: &str,
        salt: &[u8],
        verifier: &[u8],
        now: i64,
    ) -> rusqlite::Result<()> {
        self.lock().execute(
            "UPDATE users SET salt = ?2, verifier = ?3, failed_logins = 0, locked_until = 0,
                              updated_at = ?4 WHERE sub = ?1",
            params![sub, salt, verifier, now],
        )?;
        Ok(())
    }

    pub fn set_login_failures(
        &self,
        sub: &str,
        failed_logins: u32,
        locked_until: i64,
    ) -> rusqlite::Result<()> {
        self.lock().execute(
            "UPDATE users SET failed_logins = ?2, locked_until = ?3 WHERE sub = ?1",
            params![sub, failed_logins, locked_until],
        )?;
        Ok(())
    }

    /// Stores a fresh code, replacing (and so invalidating) any earlier one.
    pub fn put_code(
        &self,
        sub: &str,
        purpose: CodePurpose,
        code_mac: &[u8],
        expires_at: i64,
    ) -> rusqlite::Result<()> {
        self.lock().execute(
            "INSERT OR REPLACE INTO codes (sub, purpose, code_mac, expires_at, failed_attempts)
             VALUES (?1, ?2, ?3, ?4, 0)",
            params![sub, purpose.as_str(), code_mac, expires_at],
        )?;
        Ok(())
    }

    pub fn get_code(
        &self,
        sub: &str,
        purpose: CodePurpose,
    ) -> rusqlite::Result<Option<StoredCode>> {
        self.lock()
            .query_row(
                "SELECT code_mac, expires_at, failed_attempts FROM codes
                 WHERE sub = ?1 AND purpose = ?2",
                params![sub, purpose.as_str()],
                |row| {
                    Ok(StoredCode {
                        code_mac: row.get(0)?,
                        expires_at: row.get(1)?,
                        failed_attempts: row.get(2)?,
                    })
                },
            )
            .optional()
    }

    pub fn count_code_failure(&self, sub: &str, purpose: CodePurpose) -> rusqlite::Result<()> {
        self.lock().execute(
            "UPDATE codes SET failed_attempts = failed_attempts + 1 WHERE sub = ?1 AND purpose = ?2",
            params![sub, purpose.as_str()],
        )?;
        Ok(())
    }

    pub fn delete_code(&self, sub: &str, purpose: CodePurpose) -> rusqlite::Result<()> {
        self.lock().execute(
            "DELETE FROM codes WHERE sub = ?1 AND purpose = ?2",
            params![sub, purpose.as_str()],
        )?;
        Ok(())
    }

    /// Records a code delivery and returns how many were made after `after`
    /// (including this one). Older records are dropped on the way.
    pub fn record_code_send(
        &self,
        sub: &str,
        purpose: CodePurpose,
        now: i64,
        after: i64,
    ) -> rusqlite::Result<u32> {
        let connection = self.lock();
        connection.execute(
            "DELETE FROM code_sends WHERE sub = ?1 AND purpose = ?2 AND sent_at <= ?3",
            params![sub, purpose.as_str(), after],
        )?;
        connection.execute(
            "INSERT INTO code_sends (sub, purpose, sent_at) VALUES (?1, ?2, ?3)",
            params![sub, purpose.as_str(), now],
        )?;
        connection.query_row(
            "SELECT COUNT(*) FROM code_sends WHERE sub = ?1 AND purpose = ?2",
            params![sub, purpose.as_str()],
            |row| row.get(0),
        )
    }

    /// Counts deliveries made after `after` without recording one.
    pub fn code_sends_after(
        &self,
        sub: &str,
        purpose: CodePurpose,
        after: i64,
    ) -> rusqlite::Result<u32> {
        self.lock().query_row(
            "SELECT COUNT(*) FROM code_sends WHERE sub = ?1 AND purpose = ?2 AND sent_at > ?3",
            params![sub, purpose.as_str(), after],
            |row| row.get(0),
        )
    }

    pub fn insert_refresh_family(
        &self,
        token_hash: &[u8],
        family: &RefreshFamily,
        issued_at: i64,
    ) -> rusqlite::Result<()> {
        self.lock().execute(
            "INSERT INTO refresh_tokens (token_hash, family, sub, client_id, auth_time,
                                         issued_at, expires_at, revoked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                token_hash,
                family.family,
                family.sub,
                family.client_id,
                family.auth_time,
                issued_at,
                family.expires_at,
                family.revoked_at
            ],
        )?;
        Ok(())
    }

    pub fn find_refresh_by_hash(
        &self,
        token_hash: &[u8],
    ) -> rusqlite::Result<Option<RefreshFamily>> {
        self.lock()
            .query_row(
                &format!("SELECT {FAMILY_COLUMNS} FROM refresh_tokens WHERE token_hash = ?1"),
                [token_hash],
                family_from_row,
            )
            .optional()
    }

    pub fn find_family(&self, family: &str) -> rusqlite::Result<Option<RefreshFamily>> {
        self.lock()
            .query_row(
                &format!("SELECT {FAMILY_COLUMNS} FROM refresh_tokens WHERE family = ?1"),
                [family],
                family_from_row,
            )
            .optional()
    }

    pub fn revoke_family(&self, family: &str, now: i64) -> rusqlite::Result<()> {
        self.lock().execute(
            "UPDATE refresh_tokens SET revoked_at = ?2 WHERE family = ?1 AND revoked_at IS NULL",
            params![family, now],
        )?;
        Ok(())
    }

    /// Revokes every sign-in session of a user (GlobalSignOut, password reset).
    pub fn revoke_all_families(&self, sub: &str, now: i64) -> rusqlite::Result<()> {
        self.lock().execute(
            "UPDATE refresh_tokens SET revoked_at = ?2 WHERE sub = ?1 AND revoked_at IS NULL",
            params![sub, now],
        )?;
        Ok(())
    }

    /// Forgets sessions that expired long ago, so the table doesn't grow forever.
    pub fn prune_expired_families(&self, before: i64) -> rusqlite::Result<usize> {
        self.lock()
            .execute("DELETE FROM refresh_tokens WHERE expires_at < ?1", [before])
    }
}

const USER_COLUMNS: &str = "sub, username, email, email_verified, name, confirmed, salt, verifier,
                            failed_logins, locked_until";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        sub: row.get(0)?,
        username: row.get(1)?,
        email: row.get(2)?,
        email_verified: row.get(3)?,
        name: row.get(4)?,
        confirmed: row.get(5)?,
        salt: row.get(6)?,
        verifier: row.get(7)?,
        failed_logins: row.get(8)?,
        locked_until: row.get(9)?,
    })
}

const FAMILY_COLUMNS: &str = "family, sub, client_id, auth_time, expires_at, revoked_at";

fn family_from_row(row: &Row<'_>) -> rusqlite::Result<RefreshFamily> {
    Ok(RefreshFamily {
        family: row.get(0)?,
        sub: row.get(1)?,
        client_id: row.get(2)?,
        auth_time: row.get(3)?,
        expires_at: row.get(4)?,
        revoked_at: row.get(5)?,
    })
}

/// Usernames and emails are case-insensitive, as in new Cognito pools.
pub fn fold_case(text: &str) -> String {
    text.to_lowercase()
}

fn migrate(connection: &Connection) -> Result<(), IdpError> {
    let found: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(IdpError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (version, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let next = version as i64 + 1;
        connection.execute_batch(&format!(
            "BEGIN; {migration} PRAGMA user_version = {next}; COMMIT;"
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("idp.sqlite3")).unwrap();
        (dir, store)
    }

    fn alice(sub: &str, username: &str, confirmed: bool) -> NewUser<'static> {
        NewUser {
            sub: Box::leak(sub.to_owned().into_boxed_str()),
            username: Box::leak(username.to_owned().into_boxed_str()),
            email: "Alice@Example.com",
            name: Some("Alice"),
            confirmed,
            salt: &[1, 2, 3],
            verifier: &[4, 5, 6],
            now: 100,
        }
    }

    #[test]
    fn usernames_are_unique_regardless_of_case() {
        let (_dir, store) = store();
        assert!(store.insert_user(&alice("s1", "Alice", false)).unwrap());
        assert!(!store.insert_user(&alice("s2", "alice", false)).unwrap());
        let found = store.find_user_by_login("ALICE").unwrap().unwrap();
        assert_eq!(found.sub, "s1");
        assert_eq!(found.username, "Alice");
        assert!(!found.confirmed && !found.email_verified);
    }

    #[test]
    fn email_alias_only_works_once_verified() {
        let (_dir, store) = store();
        store.insert_user(&alice("s1", "alice", false)).unwrap();
        assert_eq!(store.find_user_by_login("alice@example.com").unwrap(), None);
        store.confirm_user("s1", 200).unwrap();
        let found = store
            .find_user_by_login("ALICE@example.com")
            .unwrap()
            .unwrap();
        assert_eq!(found.sub, "s1");
        assert!(found.email_verified);
        assert_eq!(store.find_user_by_login("s1").unwrap().unwrap().sub, "s1");
        assert!(store
            .verified_email_owned_by_other("alice@example.com", "s2")
            .unwrap());
        // An unconfirmed account named like the alias doesn't shadow it.
        assert!(store
            .insert_user(&alice("s3", "alice@example.com", false))
            .unwrap());
        assert_eq!(
            store
                .find_user_by_login("alice@example.com")
                .unwrap()
                .unwrap()
                .sub,
            "s1"
        );
        assert!(!store
            .verified_email_owned_by_other("alice@example.com", "s1")
            .unwrap());
    }

    #[test]
    fn reopening_keeps_data_and_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idp.sqlite3");
        {
            let store = Store::open(&path).unwrap();
            store.insert_user(&alice("s1", "alice", true)).unwrap();
            assert_eq!(store.meta_get_or_insert("k", || vec![7]).unwrap(), vec![7]);
        }
        let store = Store::open(&path).unwrap();
        assert!(store.find_user_by_sub("s1").unwrap().is_some());
        assert_eq!(store.meta_get_or_insert("k", || vec![8]).unwrap(), vec![7]);
        let version: i64 = store
            .lock()
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn code_sends_are_counted_in_a_window() {
        let (_dir, store) = store();
        store.insert_user(&alice("s1", "alice", true)).unwrap();
        let purpose = CodePurpose::ResetPassword;
        assert_eq!(store.record_code_send("s1", purpose, 10, 0).unwrap(), 1);
        assert_eq!(store.record_code_send("s1", purpose, 20, 0).unwrap(), 2);
        assert_eq!(store.record_code_send("s1", purpose, 30, 10).unwrap(), 2);
        assert_eq!(store.code_sends_after("s1", purpose, 20).unwrap(), 1);
        assert_eq!(
            store
                .code_sends_after("s1", CodePurpose::ConfirmSignUp, 0)
                .unwrap(),
            0
        );
    }

    #[test]
    fn families_are_revoked_one_by_one_or_all_at_once() {
        let (_dir, store) = store();
        store.insert_user(&alice("s1", "alice", true)).unwrap();
        for (hash, family) in [(b"h1", "f1"), (b"h2", "f2")] {
            let record = RefreshFamily {
                family: family.to_owned(),
                sub: "s1".to_owned(),
                client_id: "web".to_owned(),
                auth_time: 1,
                expires_at: 1000,
                revoked_at: None,
            };
            store.insert_refresh_family(hash, &record, 1).unwrap();
        }
        store.revoke_family("f1", 5).unwrap();
        assert_eq!(
            store.find_family("f1").unwrap().unwrap().revoked_at,
            Some(5)
        );
        assert_eq!(
            store
                .find_refresh_by_hash(b"h2")
                .unwrap()
                .unwrap()
                .revoked_at,
            None
        );
        store.revoke_all_families("s1", 9).unwrap();
        assert_eq!(
            store.find_family("f1").unwrap().unwrap().revoked_at,
            Some(5)
        );
        assert_eq!(
            store.find_family("f2").unwrap().unwrap().revoked_at,
            Some(9)
        );
        assert_eq!(store.prune_expired_families(1001).unwrap(), 2);
    }
}
