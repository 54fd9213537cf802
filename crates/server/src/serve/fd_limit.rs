//! File descriptors: every connection takes one, and so do the databases,
//! images being written and the listener. The soft limit is raised to the
//! hard one at start (systemd's default soft limit is 1024, its hard one far
//! higher; the documented unit sets `LimitNOFILE`), and the connection cap
//! is kept below what is left, so that accepting a connection never fails
//! for lack of descriptors.

/// Descriptors kept for everything that is not a connection: the SQLite
/// databases (the chat's writer and readers, the identity provider's, their
/// WAL files), files being uploaded or read, the listener, the runtime.
const RESERVED: u64 = 128;

/// `wanted`, lowered to fit the descriptor limit (after raising it as far
/// as allowed). Logs what it settled on.
pub fn connection_cap(wanted: usize) -> usize {
    let limit = raise_nofile_limit();
    let fits = match limit {
        Some(limit) if limit > 2 * RESERVED => limit - RESERVED,
        Some(limit) => limit / 2,
        None => wanted as u64,
    };
    let cap = (wanted as u64).min(fits).max(1) as usize;
    if cap < wanted {
        tracing::warn!(
            max_connections = cap,
            wanted,
            nofile = limit,
            "the file descriptor limit lowers the connection cap; raise LimitNOFILE (docs/security.md)"
        );
    } else {
        tracing::info!(max_connections = cap, nofile = limit, "connection cap");
    }
    cap
}

/// The soft `RLIMIT_NOFILE` after raising it to the hard limit; `None`
/// where there is no such limit.
fn raise_nofile_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(limit) => Some(limit),
            Err(error) => {
                tracing::warn!(%error, "cannot read or raise the file descriptor limit");
                rlimit::getrlimit(rlimit::Resource::NOFILE).ok().map(|(soft, _)| soft)
            }
        }
    }
    #[cfg(not(unix))]
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_never_exceeds_the_limit_less_the_reserve() {
        let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        let cap = connection_cap(usize::MAX);
        let (raised, _) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        assert!(raised >= soft);
        assert!(cap as u64 <= raised.saturating_sub(RESERVED).max(raised / 2), "{cap} of {raised}");
        assert_eq!(connection_cap(10), 10.min(cap));
    }
}
