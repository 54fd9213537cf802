//! Blobs on disk, under `<data-dir>/blobs`:
//!
//! ```text
//! blobs/.incoming/<random>.part          uploads in progress and files being written
//! blobs/rooms/<room>/<ULID>.<ext>        the image, re-encoded without metadata
//! blobs/rooms/<room>/<ULID>.thumb.<ext>  its thumbnail
//! blobs/rooms/<room>/<ULID>.json         who uploaded it, type, size, dimensions
//! blobs/rooms/<room>/<ULID>.json.swept   the record of an image being swept (`sweeper`)
//! ```
//!
//! Every file is written in `.incoming` and renamed into place (same file
//! system, so the rename is atomic), and the `.json` record is renamed last:
//! an image exists for the chat once its record does, and by then its files
//! are complete. A file in `.incoming` is removed when its guard is dropped,
//! which is also what happens when a client disconnects mid-upload.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use moodchat_core::error::internal;
use moodchat_core::{BlobKey, ImageCatalog, StoredImage};
use moodchat_protocol::{ApiError, UserRef};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

pub const BLOBS_DIR: &str = "blobs";
pub const INCOMING_DIR: &str = ".incoming";

pub struct BlobStore {
    root: PathBuf,
    incoming: PathBuf,
}

/// The `.json` record of a stored image.
#[derive(Serialize, Deserialize)]
struct Record {
    key: String,
    uploader: UserRef,
    content_type: String,
    size: u64,
    width: u32,
    height: u32,
    stored_at: i64,
    /// A message refers to it (found by the sweeper, which then skips it).
    #[serde(default)]
    attached: bool,
}

/// What the sweeper finds in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepEntry {
    Visible { key: BlobKey, stored_at_ms: i64, attached: bool },
    Hidden { key: BlobKey },
}

const HIDDEN_SUFFIX: &str = ".json.swept";

impl BlobStore {
    /// Opens `<data_dir>/blobs`, emptying `.incoming` of whatever a crash
    /// left there.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let root = data_dir.join(BLOBS_DIR);
        let incoming = root.join(INCOMING_DIR);
        if incoming.exists() {
            std::fs::remove_dir_all(&incoming)?;
        }
        std::fs::create_dir_all(&incoming)?;
        Ok(Self { root, incoming })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Keys are parsed strictly (`BlobKey::parse`), so the path stays inside
    /// `blobs/rooms/<room>/`.
    pub fn path_of(&self, key: &BlobKey) -> PathBuf {
        self.root.join(key.to_string())
    }

    fn record_path(&self, key: &BlobKey) -> PathBuf {
        self.root.join("rooms").join(&key.room).join(format!("{}.json", key.id))
    }

    /// A new, empty file in `.incoming`, removed when the guard is dropped.
    pub async fn incoming_file(&self) -> std::io::Result<(IncomingFile, tokio::fs::File)> {
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).map_err(std::io::Error::other)?;
        let name: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
        let path = self.incoming.join(format!("{name}.part"));
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
        Ok((IncomingFile { path: Some(path) }, file))
    }

    /// Makes an image visible: the image, its thumbnail, then its record.
    pub async fn commit(&self, image: &StoredImage, original: &[u8], thumbnail: &[u8]) -> std::io::Result<()> {
        let room_dir = self.root.join("rooms").join(&image.key.room);
        tokio::fs::create_dir_all(&room_dir).await?;
        self.write_atomically(&self.path_of(&image.key), original).await?;
        self.write_atomically(&self.path_of(&image.key.thumbnail()), thumbnail).await?;
        let record = Record {
            key: image.key.to_string(),
            uploader: image.uploader.clone(),
            content_type: image.content_type.clone(),
            size: image.size,
            width: image.width,
            height: image.height,
            stored_at: image.stored_at_ms,
            attached: false,
        };
        let json = serde_json::to_vec(&record).map_err(std::io::Error::other)?;
        self.write_atomically(&self.record_path(&image.key), &json).await
    }

    async fn write_atomically(&self, destination: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let (guard, mut file) = self.incoming_file().await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        drop(file);
        guard.rename_to(destination).await
    }

    /// The bytes of a blob, `None` when there is none.
    pub async fn read(&self, key: &BlobKey) -> std::io::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path_of(key)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    pub async fn exists(&self, key: &BlobKey) -> bool {
        tokio::fs::try_exists(self.record_path(key)).await.unwrap_or(false)
    }

    fn hidden_record_path(&self, key: &BlobKey) -> PathBuf {
        self.root.join("rooms").join(&key.room).join(format!("{}{HIDDEN_SUFFIX}", key.id))
    }

    /// Every image record, visible or hidden. Blocking (the sweeper runs on
    /// the blocking pool); names that are not records are skipped.
    pub fn sweep_listing(&self) -> std::io::Result<Vec<SweepEntry>> {
        let mut entries = Vec::new();
        let rooms = match std::fs::read_dir(self.root.join("rooms")) {
            Ok(rooms) => rooms,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(entries),
            Err(error) => return Err(error),
        };
        for room in rooms {
            for file in std::fs::read_dir(room?.path())? {
                let path = file?.path();
                if let Some(entry) = self.sweep_entry(&path) {
                    entries.push(entry);
                }
            }
        }
        Ok(entries)
    }

    fn sweep_entry(&self, path: &Path) -> Option<SweepEntry> {
        let name = path.file_name()?.to_str()?;
        if let Some(id) = name.strip_suffix(HIDDEN_SUFFIX) {
            let room = path.parent()?.file_name()?.to_str()?;
            // The record is gone; the key's extension is found from the image file.
            let key = ["png", "jpg", "gif", "webp"]
                .iter()
                .filter_map(|ext| BlobKey::parse(&format!("rooms/{room}/{id}.{ext}")))
                .find(|key| self.path_of(key).exists())?;
            return Some(SweepEntry::Hidden { key });
        }
        name.strip_suffix(".json")?;
        let record: Record = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
        let key = BlobKey::parse(&record.key)?;
        Some(SweepEntry::Visible { key, stored_at_ms: record.stored_at, attached: record.attached })
    }

    /// Notes that a message refers to the image. Blocking.
    pub fn mark_attached(&self, key: &BlobKey) -> std::io::Result<()> {
        let path = self.record_path(key);
        let mut record: Record = serde_json::from_slice(&std::fs::read(&path)?).map_err(std::io::Error::other)?;
        record.attached = true;
        let temporary = self.incoming.join(format!("{}.record", key.id));
        std::fs::write(&temporary, serde_json::to_vec(&record).map_err(std::io::Error::other)?)?;
        std::fs::rename(&temporary, &path)
    }

    /// Makes the image invisible to the chat (no new message can refer to
    /// it), keeping its files. Blocking.
    pub fn hide(&self, key: &BlobKey) -> std::io::Result<()> {
        std::fs::rename(self.record_path(key), self.hidden_record_path(key))
    }

    pub fn unhide(&self, key: &BlobKey) -> std::io::Result<()> {
        std::fs::rename(self.hidden_record_path(key), self.record_path(key))
    }

    /// Removes a hidden image: the picture, its thumbnail, then the record.
    pub fn remove_hidden(&self, key: &BlobKey) -> std::io::Result<()> {
        for path in [self.path_of(key), self.path_of(&key.thumbnail())] {
            match std::fs::remove_file(path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
                _ => {}
            }
        }
        std::fs::remove_file(self.hidden_record_path(key))
    }
}

#[async_trait]
impl ImageCatalog for BlobStore {
    async fn stored_image(&self, key: &BlobKey) -> Result<Option<StoredImage>, ApiError> {
        let json = match tokio::fs::read(self.record_path(key)).await {
            Ok(json) => json,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                tracing::error!(%error, key = %key, "cannot read an image record");
                return Err(internal("cannot read the image record"));
            }
        };
        let record: Record = serde_json::from_slice(&json).map_err(|error| {
            tracing::error!(%error, key = %key, "corrupt image record");
            internal("corrupt image record")
        })?;
        // The record names the key it was written for; a record that says
        // otherwise is not this image's.
        if record.key != key.to_string() {
            return Ok(None);
        }
        Ok(Some(StoredImage {
            key: key.clone(),
            uploader: record.uploader,
            content_type: record.content_type,
            size: record.size,
            width: record.width,
            height: record.height,
            stored_at_ms: record.stored_at,
        }))
    }

    /// The record first (from then on no message can refer to the image),
    /// then the picture and its thumbnail; a file already gone is fine.
    async fn remove_image(&self, key: &BlobKey) -> Result<(), ApiError> {
        let paths =
            [self.record_path(key), self.hidden_record_path(key), self.path_of(key), self.path_of(&key.thumbnail())];
        for path in paths {
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => {
                    tracing::error!(%error, key = %key, "cannot remove an unsent image");
                    return Err(internal("cannot remove the image"));
                }
            }
        }
        Ok(())
    }
}

/// A file in `.incoming`: removed on drop unless renamed into place.
pub struct IncomingFile {
    path: Option<PathBuf>,
}

impl IncomingFile {
    pub fn path(&self) -> &Path {
        self.path.as_deref().expect("the path is taken only by rename_to")
    }

    pub async fn rename_to(mut self, destination: &Path) -> std::io::Result<()> {
        let source = self.path.take().expect("the path is taken only by rename_to");
        let renamed = tokio::fs::rename(&source, destination).await;
        if renamed.is_err() {
            let _ = std::fs::remove_file(&source);
        }
        renamed
    }
}

impl Drop for IncomingFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            // Synchronous on purpose: drop may run when the request future is
            // cancelled (the client went away), with no runtime to await on.
            let _ = std::fs::remove_file(path);
        }
    }
}
