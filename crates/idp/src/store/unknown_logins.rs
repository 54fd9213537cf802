//! Failed sign-ins of names that have no account, counted and locked out
//! exactly like a user's (`users.failed_logins`, `users.locked_until`). Two
//! reasons: a lockout that only real accounts get would tell which names
//! exist, and the second SRP step must do the same work, this write
//! included, for unknown names as for real ones, or its timing tells.
//! Keyed by the simulated USER_ID_FOR_SRP of the name.

use rusqlite::{params, OptionalExtension};

use super::Store;

/// Schema version 2.
pub(super) const MIGRATION: &str = r#"
CREATE TABLE unknown_logins (
    key            TEXT PRIMARY KEY,
    failed_logins  INTEGER NOT NULL,
    locked_until   INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX unknown_logins_by_age ON unknown_logins(updated_at);
"#;

impl Store {
    /// `(failed_logins, locked_until)` of an unknown name; zeros when none.
    pub fn unknown_login_failures(&self, key: &str) -> rusqlite::Result<(u32, i64)> {
        Ok(self
            .lock()
            .query_row(
                "SELECT failed_logins, locked_until FROM unknown_logins WHERE key = ?1",
                [key],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, 0)))
    }

    pub fn set_unknown_login_failures(
        &self,
        key: &str,
        failed_logins: u32,
        locked_until: i64,
        now: i64,
    ) -> rusqlite::Result<()> {
        self.lock().execute(
            "INSERT INTO unknown_logins (key, failed_logins, locked_until, updated_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET failed_logins = ?2, locked_until = ?3, updated_at = ?4",
            params![key, failed_logins, locked_until, now],
        )?;
        Ok(())
    }

    /// Forgets counts untouched since `before` (at start: the table only
    /// grows as fast as the sign-in rate limits let failures in).
    pub fn prune_unknown_logins(&self, before: i64) -> rusqlite::Result<usize> {
        self.lock().execute("DELETE FROM unknown_logins WHERE updated_at < ?1", [before])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_kept_per_name_and_pruned_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("idp.sqlite3")).unwrap();
        assert_eq!(store.unknown_login_failures("a").unwrap(), (0, 0));
        store.set_unknown_login_failures("a", 6, 500, 100).unwrap();
        store.set_unknown_login_failures("b", 1, 0, 300).unwrap();
        assert_eq!(store.unknown_login_failures("a").unwrap(), (6, 500));
        assert_eq!(store.prune_unknown_logins(200).unwrap(), 1);
        assert_eq!(store.unknown_login_failures("a").unwrap(), (0, 0));
        assert_eq!(store.unknown_login_failures("b").unwrap(), (1, 0));
    }
}
