//! Images on the embedded server: the blob storage behind signed URLs
//! (`PUT`/`GET /api/blobs/{key}`) and the administrators' notice of every
//! stored image. Upload tickets (`POST /api/uploads`) are a route of
//! moodchat-http-api's REST router, on the ports made here. The ports ChatService uses
//! (BlobSigner, ImageCatalog, Notifier) are defined in moodchat-core; this
//! module implements them with files under `<data-dir>/blobs`, an HMAC key
//! in the data directory and a webhook.
//!
//! Mounting (under `/api`): `api.merge(images::router(images))`,
//! with `images.ports()` given to the chat service (`ChatConfig::images`).

pub mod blobs;
pub mod decode_gate;
pub mod notify;
pub mod signing;
pub mod store;
pub mod sweeper;

/// What uploaded bytes go through (signature, bounded decode, orientation,
/// re-encoding, thumbnail): moodchat-imaging, shared with the AWS image
/// pipeline; named here as it was when it lived in this module.
pub use moodchat_imaging as process;

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::put;
use axum::Router;
use moodchat_core::{BlobKey, Clock, ImagePorts, Notifier, SystemClock};
use moodchat_protocol::limits::{MAX_UPLOAD_BYTES, THUMBNAIL_MAX_PX};

use crate::limits::{UploadQuotaSettings, UploadQuotas};
use decode_gate::DecodeGate;
pub use notify::AdminNotifier;
pub use signing::HmacSigner;
pub use store::BlobStore;

/// Image settings of `moodchat serve`.
#[derive(Clone, Debug)]
pub struct ImageSettings {
    /// The largest upload a ticket is granted for.
    pub max_upload_bytes: u64,
    /// Where every stored image is announced (JSON POST), besides the log.
    pub webhook: Option<String>,
    pub thumbnail_max_px: u32,
    /// Uploads per uploader, in count and bytes.
    pub quotas: UploadQuotaSettings,
    /// An image no message refers to is removed this long after it was
    /// stored (`sweeper`).
    pub unattached_ttl: Duration,
}

impl Default for ImageSettings {
    fn default() -> Self {
        Self {
            max_upload_bytes: MAX_UPLOAD_BYTES,
            webhook: None,
            thumbnail_max_px: THUMBNAIL_MAX_PX,
            quotas: UploadQuotaSettings::default(),
            unattached_ttl: sweeper::DEFAULT_UNATTACHED_TTL,
        }
    }
}

/// Everything the blob routes need; cheap to clone.
#[derive(Clone)]
pub struct Images {
    store: Arc<BlobStore>,
    signer: Arc<HmacSigner>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
    settings: Arc<ImageSettings>,
    /// Keys being uploaded right now: one PUT per key at a time.
    uploading: Arc<Mutex<HashSet<String>>>,
    /// At most one decode per core at a time, a bounded line waiting.
    decoding: Arc<DecodeGate>,
    upload_quotas: Arc<UploadQuotas>,
}

impl Images {
    /// Opens `<data_dir>/blobs` and the signing key (made on first use).
    pub fn open(data_dir: &Path, settings: ImageSettings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        Ok(Self {
            store: Arc::new(BlobStore::open(data_dir)?),
            signer: Arc::new(HmacSigner::open(data_dir)?),
            notifier: Arc::new(AdminNotifier::new(settings.webhook.clone())?),
            clock: Arc::new(SystemClock),
            uploading: Arc::new(Mutex::new(HashSet::new())),
            decoding: Arc::new(DecodeGate::for_this_machine()),
            upload_quotas: Arc::new(UploadQuotas::new(&settings.quotas)),
            settings: Arc::new(settings),
        })
    }

    /// What ChatService needs to grant tickets and attach images.
    pub fn ports(&self) -> ImagePorts {
        ImagePorts {
            signer: self.signer.clone(),
            catalog: self.store.clone(),
            max_upload_bytes: self.settings.max_upload_bytes,
        }
    }

    pub fn signer(&self) -> &HmacSigner {
        &self.signer
    }

    pub fn store(&self) -> &BlobStore {
        &self.store
    }

    fn claim(&self, key: &BlobKey) -> Option<UploadClaim> {
        let key = key.to_string();
        let inserted = lock(&self.uploading).insert(key.clone());
        inserted.then(|| UploadClaim { uploading: self.uploading.clone(), key })
    }
}

/// The right to upload one key, given back on drop.
pub struct UploadClaim {
    uploading: Arc<Mutex<HashSet<String>>>,
    key: String,
}

impl Drop for UploadClaim {
    fn drop(&mut self) {
        lock(&self.uploading).remove(&self.key);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The blob routes, to be mounted under `/api`. Like the chat router it
/// has no fallback of its own.
pub fn router<S: Clone + Send + Sync + 'static>(images: Images) -> Router<S> {
    // The upload handler streams and counts the body itself.
    Router::new().route("/blobs/{*key}", put(blobs::upload).get(blobs::download)).with_state(images)
}
