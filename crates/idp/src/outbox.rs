//! Where confirmation and reset codes are "delivered": the embedded server
//! sends no mail. Each message is appended to `<data_dir>/outbox.jsonl`
//! (readable by the server's user only) and its delivery is logged, without
//! the code: a code signs its holder in, and logs travel further than the
//! data directory. Tests and developers read the file back.

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// File name of the outbox inside the data directory.
pub const OUTBOX_FILE_NAME: &str = "outbox.jsonl";

/// One delivered code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// RFC 3339 time of delivery.
    pub sent_at: String,
    /// The email address the code went to.
    pub to: String,
    /// The account's username.
    pub username: String,
    /// `"confirm_sign_up"` or `"forgot_password"`.
    pub purpose: String,
    /// The six-digit code.
    pub code: String,
}

pub struct Outbox {
    path: PathBuf,
    // Appends from concurrent requests must not interleave within a line.
    append_lock: Mutex<()>,
}

impl Outbox {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            append_lock: Mutex::new(()),
        }
    }

    pub fn deliver(&self, message: &OutboxMessage) -> std::io::Result<()> {
        tracing::info!(
            to = %message.to,
            username = %message.username,
            purpose = %message.purpose,
            "idp outbox: code delivered"
        );
        let mut line = serde_json::to_string(message).map_err(std::io::Error::other)?;
        line.push('\n');
        let _guard = self
            .append_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            // Codes are credentials while they live.
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(&self.path)?.write_all(line.as_bytes())
    }

    /// Messages in delivery order, only those sent to `email` (compared
    /// case-insensitively) when given.
    pub fn messages(&self, email: Option<&str>) -> std::io::Result<Vec<OutboxMessage>> {
        let file = match fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let wanted = email.map(str::to_lowercase);
        let mut messages = Vec::new();
        for line in BufReader::new(file).lines() {
            let line = line?;
            // A torn last line (crash mid-append) is skipped, not fatal.
            let Ok(message) = serde_json::from_str::<OutboxMessage>(&line) else {
                continue;
            };
            if wanted
                .as_deref()
                .is_none_or(|w| message.to.to_lowercase() == w)
            {
                messages.push(message);
            }
        }
        Ok(messages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_filters_by_recipient() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path().join(OUTBOX_FILE_NAME));
        assert_eq!(outbox.messages(None).unwrap(), vec![]);
        let message = |to: &str, code: &str| OutboxMessage {
            sent_at: "2025-01-01T00:00:00Z".into(),
            to: to.into(),
            username: "u".into(),
            purpose: "confirm_sign_up".into(),
            code: code.into(),
        };
        outbox.deliver(&message("a@example.com", "111111")).unwrap();
        outbox.deliver(&message("b@example.com", "222222")).unwrap();
        outbox.deliver(&message("A@example.com", "333333")).unwrap();
        let codes: Vec<_> = outbox
            .messages(Some("a@EXAMPLE.com"))
            .unwrap()
            .into_iter()
            .map(|m| m.code)
            .collect();
        assert_eq!(codes, ["111111", "333333"]);
        assert_eq!(outbox.messages(None).unwrap().len(), 3);
    }
}
