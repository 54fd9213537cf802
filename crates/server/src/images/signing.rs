//! Signed blob URLs, the embedded stand-in for S3 presigning. A URL carries
//! its expiry (and, for uploads, the exact size and the uploader) in the
//! query, with an HMAC-SHA256 over the method, the key and those values.
//! Whoever holds the URL may use it until it expires, and nothing in it can
//! be changed; a GET signature is never valid for a PUT.
//!
//! The HMAC key is made once, from the OS random source, and kept in
//! `<data-dir>/blob-signing.key`, so URLs survive restarts.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use moodchat_core::error::forbidden;
use moodchat_core::{BlobKey, BlobSigner, Clock, SystemClock, UploadGrant};
use moodchat_protocol::images::UploadTicket;
use moodchat_protocol::{ApiError, UserRef};
use serde::Deserialize;
use sha2::Sha256;

pub const KEY_FILE: &str = "blob-signing.key";
const KEY_BYTES: usize = 32;
/// Where blob URLs point, relative to the server's origin.
pub const BLOB_PATH_PREFIX: &str = "/api/blobs/";

/// Download URLs live an hour at least. Their expiry is rounded up to a
/// quarter of an hour, so reading the same history twice in that window
/// yields the same URL and the browser answers from its cache.
const DOWNLOAD_TTL_SECS: i64 = 60 * 60;
const DOWNLOAD_EXPIRY_STEP_SECS: i64 = 15 * 60;

type HmacSha256 = Hmac<Sha256>;

/// The query of a signed blob URL, as it comes in.
#[derive(Debug, Default, Deserialize)]
pub struct SignedQuery {
    /// Expiry, in seconds since the Unix epoch.
    pub exp: Option<i64>,
    /// Exact body size (uploads only).
    pub size: Option<u64>,
    /// The uploader, base64url of `{"sub","name"}` (uploads only).
    pub by: Option<String>,
    pub sig: Option<String>,
}

/// What a valid upload URL allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedUpload {
    pub size: u64,
    pub uploader: UserRef,
}

pub struct HmacSigner {
    key: [u8; KEY_BYTES],
    clock: Arc<dyn Clock>,
}

impl HmacSigner {
    /// Reads `<data_dir>/blob-signing.key`, creating it on first use.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        Ok(Self { key: load_or_create_key(&data_dir.join(KEY_FILE))?, clock: Arc::new(SystemClock) })
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn now_secs(&self) -> i64 {
        self.clock.now_ms().div_euclid(1000)
    }

    /// A GET URL for `key` that stops working after `expires_at` (seconds).
    pub fn download_path(&self, key: &BlobKey, expires_at: i64) -> String {
        let key = key.to_string();
        let sig = self.signature(&["GET", &key, &expires_at.to_string(), "", ""]);
        format!("{BLOB_PATH_PREFIX}{key}?exp={expires_at}&sig={sig}")
    }

    /// The PUT URL of a ticket.
    pub fn upload_path(&self, key: &BlobKey, size: u64, uploader: &UserRef, expires_at: i64) -> String {
        let key = key.to_string();
        let by = encode_uploader(uploader);
        let sig = self.signature(&["PUT", &key, &expires_at.to_string(), &size.to_string(), &by]);
        format!("{BLOB_PATH_PREFIX}{key}?exp={expires_at}&size={size}&by={by}&sig={sig}")
    }

    /// Checks a GET URL; returns its expiry (seconds).
    pub fn verify_download(&self, key: &BlobKey, query: &SignedQuery) -> Result<i64, ApiError> {
        let expires_at = query.exp.ok_or_else(|| forbidden("the URL is not signed"))?;
        self.verify(&["GET", &key.to_string(), &expires_at.to_string(), "", ""], query.sig.as_deref())?;
        self.check_expiry(expires_at)?;
        Ok(expires_at)
    }

    /// Checks a PUT URL; returns what it allows.
    pub fn verify_upload(&self, key: &BlobKey, query: &SignedQuery) -> Result<VerifiedUpload, ApiError> {
        let (Some(expires_at), Some(size), Some(by)) = (query.exp, query.size, query.by.as_deref()) else {
            return Err(forbidden("the URL is not a signed upload URL"));
        };
        let fields = ["PUT", &key.to_string(), &expires_at.to_string(), &size.to_string(), by];
        self.verify(&fields, query.sig.as_deref())?;
        self.check_expiry(expires_at)?;
        let uploader = decode_uploader(by).ok_or_else(|| forbidden("the URL's uploader is unreadable"))?;
        Ok(VerifiedUpload { size, uploader })
    }

    fn check_expiry(&self, expires_at: i64) -> Result<(), ApiError> {
        if expires_at < self.now_secs() {
            return Err(forbidden("the URL has expired; ask for a new one"));
        }
        Ok(())
    }

    /// Each field is length-prefixed, so no two field lists sign alike.
    fn mac(&self, fields: &[&str]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"moodchat-blob-v1");
        for field in fields {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field.as_bytes());
        }
        mac
    }

    fn signature(&self, fields: &[&str]) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(fields).finalize().into_bytes())
    }

    fn verify(&self, fields: &[&str], signature: Option<&str>) -> Result<(), ApiError> {
        let bad = || forbidden("the URL's signature does not match");
        let signature = URL_SAFE_NO_PAD.decode(signature.ok_or_else(bad)?).map_err(|_| bad())?;
        // verify_slice compares in constant time.
        self.mac(fields).verify_slice(&signature).map_err(|_| bad())
    }
}

#[async_trait]
impl BlobSigner for HmacSigner {
    async fn upload_ticket(&self, grant: &UploadGrant) -> Result<UploadTicket, ApiError> {
        let expires_at = grant.expires_at_ms.div_euclid(1000);
        Ok(UploadTicket {
            url: self.upload_path(&grant.key, grant.size, &grant.uploader, expires_at),
            method: "PUT".to_owned(),
            headers: BTreeMap::from([("Content-Type".to_owned(), grant.key.kind.content_type().to_owned())]),
            key: grant.key.to_string(),
            expires_at: expires_at * 1000,
        })
    }

    async fn download_url(&self, key: &BlobKey) -> Result<String, ApiError> {
        let earliest = self.now_secs() + DOWNLOAD_TTL_SECS;
        let expires_at = (earliest.div_euclid(DOWNLOAD_EXPIRY_STEP_SECS) + 1) * DOWNLOAD_EXPIRY_STEP_SECS;
        Ok(self.download_path(key, expires_at))
    }
}

fn encode_uploader(uploader: &UserRef) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(uploader).expect("a UserRef serializes"))
}

fn decode_uploader(by: &str) -> Option<UserRef> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(by).ok()?).ok()
}

fn load_or_create_key(path: &Path) -> anyhow::Result<[u8; KEY_BYTES]> {
    match std::fs::read(path) {
        Ok(bytes) => return key_from_bytes(path, &bytes),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => anyhow::bail!("cannot read {}: {error}", path.display()),
    }
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key).map_err(|error| anyhow::anyhow!("no OS random source: {error}"))?;
    // Written beside the final name and renamed, so a crash never leaves a
    // short key behind; `hard_link` fails if another process won the race,
    // and then its key is the one to use.
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(&key)?;
    file.sync_all()?;
    drop(file);
    let linked = std::fs::hard_link(&temporary, path);
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(key),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => key_from_bytes(path, &std::fs::read(path)?),
        Err(error) => anyhow::bail!("cannot write {}: {error}", path.display()),
    }
}

fn key_from_bytes(path: &Path, bytes: &[u8]) -> anyhow::Result<[u8; KEY_BYTES]> {
    bytes.try_into().map_err(|_| anyhow::anyhow!("{} is not a {KEY_BYTES}-byte key", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use moodchat_core::ImageKind;

    fn signer() -> (tempfile::TempDir, HmacSigner) {
        let dir = tempfile::tempdir().unwrap();
        let signer = HmacSigner::open(dir.path()).unwrap();
        (dir, signer)
    }

    fn query(path: &str) -> SignedQuery {
        let query = path.split_once('?').unwrap().1;
        serde_json::from_value(serde_json::Value::Object(
            query
                .split('&')
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap();
                    let value = match name {
                        "exp" | "size" => serde_json::json!(value.parse::<i64>().unwrap()),
                        _ => serde_json::json!(value),
                    };
                    (name.to_owned(), value)
                })
                .collect(),
        ))
        .unwrap()
    }

    #[test]
    fn the_key_is_made_once_and_reused() {
        let (dir, first) = signer();
        let second = HmacSigner::open(dir.path()).unwrap();
        assert_eq!(first.key, second.key);
        assert_eq!(std::fs::read(dir.path().join(KEY_FILE)).unwrap().len(), KEY_BYTES);
    }

    #[test]
    fn a_download_url_verifies_until_it_expires_and_only_for_its_key() {
        let (_dir, signer) = signer();
        let key = BlobKey::new_upload("lobby", ImageKind::Png, 1);
        let other = BlobKey::new_upload("lobby", ImageKind::Png, 1);
        let now = signer.now_secs();
        let url = signer.download_path(&key, now + 60);
        assert_eq!(signer.verify_download(&key, &query(&url)), Ok(now + 60));
        assert!(signer.verify_download(&other, &query(&url)).is_err());
        assert!(signer.verify_download(&key, &query(&signer.download_path(&key, now - 1))).is_err());
        let mut tampered = query(&url);
        tampered.exp = Some(now + 3600);
        assert!(signer.verify_download(&key, &tampered).is_err());
    }

    #[test]
    fn a_download_signature_is_not_an_upload_signature() {
        let (_dir, signer) = signer();
        let key = BlobKey::new_upload("lobby", ImageKind::Png, 1);
        let mut forged = query(&signer.download_path(&key, signer.now_secs() + 60));
        forged.size = Some(10);
        forged.by = Some(encode_uploader(&UserRef { sub: "s".into(), name: "n".into() }));
        assert!(signer.verify_upload(&key, &forged).is_err());
    }

    #[test]
    fn an_upload_url_carries_size_and_uploader() {
        let (_dir, signer) = signer();
        let key = BlobKey::new_upload("lobby", ImageKind::Jpeg, 1);
        let alice = UserRef { sub: "sub-a".into(), name: "앨리스 & co".into() };
        let url = signer.upload_path(&key, 1234, &alice, signer.now_secs() + 60);
        let verified = signer.verify_upload(&key, &query(&url)).unwrap();
        assert_eq!(verified, VerifiedUpload { size: 1234, uploader: alice });
        let mut bigger = query(&url);
        bigger.size = Some(1235);
        assert!(signer.verify_upload(&key, &bigger).is_err());
    }
}
