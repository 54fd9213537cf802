//! Images in the domain: which types are accepted, how blob keys look, and
//! the ports through which blobs are signed, looked up and announced. The
//! embedded server implements the ports with HMAC-signed URLs and files in
//! the data directory; the AWS deployment with S3 presigned URLs, a table of
//! stored images and SNS. Nothing here does I/O.

use std::sync::Arc;

use async_trait::async_trait;
use moodchat_protocol::images::UploadTicket;
use moodchat_protocol::{ApiError, UserRef};

use crate::ids::{decode_ulid, random_ulid};

/// How long an upload ticket (its PUT URL) stays valid.
pub const UPLOAD_TICKET_TTL_MS: i64 = 10 * 60 * 1000;

/// An accepted image type. Uploads are checked against it twice: the ticket
/// is only granted for these content types, and the bytes must start with
/// the matching signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageKind {
    Jpeg,
    Png,
    Gif,
    Webp,
}

impl ImageKind {
    pub const ALL: [ImageKind; 4] = [ImageKind::Jpeg, ImageKind::Png, ImageKind::Gif, ImageKind::Webp];

    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Gif => "gif",
            ImageKind::Webp => "webp",
        }
    }

    /// Exact match on the media type, ignoring case and parameters
    /// (`image/PNG; charset=x` is PNG).
    pub fn from_content_type(content_type: &str) -> Option<ImageKind> {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        Self::ALL.into_iter().find(|kind| kind.content_type().eq_ignore_ascii_case(essence))
    }

    pub fn from_extension(extension: &str) -> Option<ImageKind> {
        Self::ALL.into_iter().find(|kind| kind.extension() == extension)
    }

    /// The format of the thumbnail: photos stay JPEG, everything else
    /// (transparency, animation's first frame) becomes PNG.
    pub fn thumbnail_kind(self) -> ImageKind {
        match self {
            ImageKind::Jpeg => ImageKind::Jpeg,
            _ => ImageKind::Png,
        }
    }
}

/// Which rendition of an uploaded image a key names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rendition {
    /// The uploaded image, re-encoded without metadata.
    Original,
    Thumbnail,
}

/// A blob key: `rooms/<room>/<ULID>.<ext>` for an upload and
/// `rooms/<room>/<ULID>.thumb.<ext>` for its thumbnail. Keys are made by
/// the server and parsed strictly wherever one comes in, so a key can never
/// name anything but a blob of one room (no `..`, no absolute paths, no
/// other characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobKey {
    pub room: String,
    /// Upper-case ULID.
    pub id: String,
    pub kind: ImageKind,
    pub rendition: Rendition,
}

const MAX_ROOM_SEGMENT: usize = 64;

impl BlobKey {
    /// A new, unguessable key for an upload into `room`: the ULID's 80 bits
    /// come from a CSPRNG (not the monotonic message id generator, whose
    /// next value is predictable).
    pub fn new_upload(room: &str, kind: ImageKind, now_ms: i64) -> BlobKey {
        let id = random_ulid(now_ms);
        BlobKey { room: room.to_owned(), id, kind, rendition: Rendition::Original }
    }

    pub fn parse(key: &str) -> Option<BlobKey> {
        let mut segments = key.split('/');
        let (Some("rooms"), Some(room), Some(file), None) =
            (segments.next(), segments.next(), segments.next(), segments.next())
        else {
            return None;
        };
        let room_ok = !room.is_empty()
            && room.len() <= MAX_ROOM_SEGMENT
            && room.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !room_ok {
            return None;
        }
        let parts: Vec<&str> = file.split('.').collect();
        let (id, rendition, extension) = match parts.as_slice() {
            [id, extension] => (*id, Rendition::Original, *extension),
            [id, "thumb", extension] => (*id, Rendition::Thumbnail, *extension),
            _ => return None,
        };
        // Canonical upper case only: one key, one spelling, one file.
        if decode_ulid(id).is_none() || id.bytes().any(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let kind = ImageKind::from_extension(extension)?;
        if rendition == Rendition::Thumbnail && kind.thumbnail_kind() != kind {
            return None;
        }
        Some(BlobKey { room: room.to_owned(), id: id.to_owned(), kind, rendition })
    }

    /// The key of this upload's thumbnail.
    pub fn thumbnail(&self) -> BlobKey {
        BlobKey { kind: self.kind.thumbnail_kind(), rendition: Rendition::Thumbnail, ..self.clone() }
    }

    pub fn is_original(&self) -> bool {
        self.rendition == Rendition::Original
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.rendition {
            Rendition::Original => write!(f, "rooms/{}/{}.{}", self.room, self.id, self.kind.extension()),
            Rendition::Thumbnail => write!(f, "rooms/{}/{}.thumb.{}", self.room, self.id, self.kind.extension()),
        }
    }
}

/// What a ticket allows: one PUT of exactly `size` bytes of `kind` to `key`
/// by `uploader`, until `expires_at_ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadGrant {
    pub key: BlobKey,
    pub size: u64,
    pub uploader: UserRef,
    pub expires_at_ms: i64,
}

/// An image that was uploaded, checked and stored, with its thumbnail at
/// `key.thumbnail()` (every stored image has one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredImage {
    pub key: BlobKey,
    pub uploader: UserRef,
    pub content_type: String,
    /// Bytes of the stored (re-encoded) original.
    pub size: u64,
    pub width: u32,
    pub height: u32,
    pub stored_at_ms: i64,
}

impl StoredImage {
    /// The administrators' notice of it, as JSON: what was stored, where, by
    /// whom. The embedded server posts it to its webhook, AWS publishes it
    /// to the SNS topic: one shape for both homes (docs/security.md).
    pub fn notice(&self) -> serde_json::Value {
        serde_json::json!({
            "event": "image_uploaded",
            "key": self.key.to_string(),
            "room": self.key.room,
            "uploader": {"sub": self.uploader.sub, "name": self.uploader.name},
            "content_type": self.content_type,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "at": self.stored_at_ms,
        })
    }
}

/// Makes upload tickets and download URLs (S3 presigning on AWS).
#[async_trait]
pub trait BlobSigner: Send + Sync {
    async fn upload_ticket(&self, grant: &UploadGrant) -> Result<UploadTicket, ApiError>;
    /// A URL anyone holding it may GET the blob at, for a limited time.
    async fn download_url(&self, key: &BlobKey) -> Result<String, ApiError>;
}

/// Finds stored images by key (on AWS: the table the upload processor fills).
#[async_trait]
pub trait ImageCatalog: Send + Sync {
    async fn stored_image(&self, key: &BlobKey) -> Result<Option<StoredImage>, ApiError>;
    /// Removes a stored image and its thumbnail for good (its message was
    /// unsent); nothing to do when there is none.
    async fn remove_image(&self, key: &BlobKey) -> Result<(), ApiError>;
}

/// Tells the administrators about every stored image (SNS on AWS). Delivery
/// is best effort and must not hold up the upload.
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn image_stored(&self, image: &StoredImage);
}

/// The image ports ChatService needs, and the upload limit it enforces.
#[derive(Clone)]
pub struct ImagePorts {
    pub signer: Arc<dyn BlobSigner>,
    pub catalog: Arc<dyn ImageCatalog>,
    pub max_upload_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_keys_round_trip_and_name_their_thumbnail() {
        let key = BlobKey::new_upload("dm_01jd5x0zq3m1t6p5v7k9w2b4c8", ImageKind::Gif, 1_731_412_345_678);
        let text = key.to_string();
        assert!(text.starts_with("rooms/dm_01jd5x0zq3m1t6p5v7k9w2b4c8/") && text.ends_with(".gif"), "{text}");
        assert_eq!(BlobKey::parse(&text), Some(key.clone()));
        let thumb = key.thumbnail().to_string();
        assert!(thumb.ends_with(".thumb.png"), "{thumb}");
        assert_eq!(BlobKey::parse(&thumb), Some(key.thumbnail()));
    }

    #[test]
    fn the_administrators_notice_says_what_where_and_who() {
        let key = BlobKey::parse("rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png").unwrap();
        let image = StoredImage {
            key,
            uploader: UserRef { sub: "sub-a".into(), name: "Ana".into() },
            content_type: "image/png".into(),
            size: 1234,
            width: 40,
            height: 30,
            stored_at_ms: 1_731_412_345_678,
        };
        assert_eq!(
            image.notice(),
            serde_json::json!({
                "event": "image_uploaded", "key": "rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png", "room": "lobby",
                "uploader": {"sub": "sub-a", "name": "Ana"}, "content_type": "image/png", "size": 1234,
                "width": 40, "height": 30, "at": 1_731_412_345_678_i64,
            })
        );
    }

    #[test]
    fn two_keys_made_in_the_same_millisecond_are_unrelated() {
        let a = BlobKey::new_upload("lobby", ImageKind::Png, 5);
        let b = BlobKey::new_upload("lobby", ImageKind::Png, 5);
        let random = |key: &BlobKey| decode_ulid(&key.id).unwrap() & ((1 << 80) - 1);
        assert_ne!(random(&a), random(&b));
        assert!(random(&a).abs_diff(random(&b)) > 1_000, "not sequential");
    }

    #[test]
    fn anything_but_a_canonical_key_is_refused() {
        let good = "rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png";
        assert!(BlobKey::parse(good).is_some());
        for bad in [
            "../rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png",
            "rooms/../01JD5X0ZQ3M1T6P5V7K9W2B4C8.png",
            "rooms/lobby/../../blob-signing.key",
            "/rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png",
            "rooms/lobby//01JD5X0ZQ3M1T6P5V7K9W2B4C8.png",
            "rooms/lobby/01jd5x0zq3m1t6p5v7k9w2b4c8.png",
            "rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.PNG",
            "rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png.json",
            "rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.thumb.gif",
            "rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.svg",
            "rooms/Lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png",
            "rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8",
            "uploads/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png",
            "rooms/lobby/%2e%2e.png",
            "",
        ] {
            assert_eq!(BlobKey::parse(bad), None, "{bad:?} accepted");
        }
    }

    #[test]
    fn content_types_are_matched_on_their_essence() {
        assert_eq!(ImageKind::from_content_type("image/PNG; x=y"), Some(ImageKind::Png));
        assert_eq!(ImageKind::from_content_type("image/svg+xml"), None);
        assert_eq!(ImageKind::from_content_type("text/plain"), None);
    }
}
