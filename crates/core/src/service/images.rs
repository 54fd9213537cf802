//! Images in messages: upload tickets, the images a message may carry,
//! and signed URLs made afresh whenever a message is read.

use moodchat_protocol::images::{UploadRequest, UploadTicket};
use moodchat_protocol::{Image, Message, Room};

use super::ChatService;
use crate::error::{bad_request, forbidden, too_large, unavailable, unsupported_media_type, ChatResult};
use crate::images::{BlobKey, ImageKind, ImagePorts, StoredImage, UploadGrant, UPLOAD_TICKET_TTL_MS};
use crate::ports::Identity;

impl ChatService {
    /// Permission to upload one image into a room the caller may write to:
    /// a signed PUT URL (docs/protocol.md, "Images").
    pub async fn upload_ticket(&self, who: &Identity, request: &UploadRequest) -> ChatResult<UploadTicket> {
        let images = self.image_ports()?;
        let kind = ImageKind::from_content_type(&request.content_type).ok_or_else(|| {
            unsupported_media_type(format!("{:?} is not an accepted image type (JPEG, PNG, GIF, WebP)", request.content_type))
        })?;
        if request.size == 0 {
            return Err(bad_request("an image needs at least one byte"));
        }
        if request.size > images.max_upload_bytes {
            return Err(too_large(format!("images are limited to {} bytes", images.max_upload_bytes)));
        }
        let room = self.writable_room(who, &request.room).await?;
        let now = self.clock.now_ms();
        let grant = UploadGrant {
            key: BlobKey::new_upload(&room.id, kind, now),
            size: request.size,
            uploader: who.user_ref(),
            expires_at_ms: now + UPLOAD_TICKET_TTL_MS,
        };
        images.signer.upload_ticket(&grant).await
    }

    pub(super) fn image_ports(&self) -> ChatResult<&ImagePorts> {
        self.images.as_ref().ok_or_else(|| unavailable("this server does not store images"))
    }

    /// The image a message may carry: one the sender uploaded into this
    /// very room, and which was stored (checked and re-encoded) completely.
    pub(super) async fn attachable_image(&self, who: &Identity, room: &Room, key: &str) -> ChatResult<Image> {
        let images = self.image_ports()?;
        let key = BlobKey::parse(key)
            .filter(BlobKey::is_original)
            .ok_or_else(|| bad_request("image_key is not the key of an upload ticket"))?;
        let stored = images
            .catalog
            .stored_image(&key)
            .await?
            .ok_or_else(|| bad_request("no image was uploaded with this image_key"))?;
        if stored.key.room != room.id {
            return Err(forbidden("that image was uploaded to another room"));
        }
        if stored.uploader.sub != who.sub {
            return Err(forbidden("that image was uploaded by someone else"));
        }
        self.image_of(images, &stored).await
    }

    async fn image_of(&self, images: &ImagePorts, stored: &StoredImage) -> ChatResult<Image> {
        Ok(Image {
            key: stored.key.to_string(),
            url: images.signer.download_url(&stored.key).await?,
            w: Some(stored.width),
            h: Some(stored.height),
            thumb_url: Some(images.signer.download_url(&stored.key.thumbnail()).await?),
        })
    }

    /// Signed URLs expire, so the ones stored with a message are replaced
    /// by fresh ones whenever it is read.
    pub(super) async fn refresh_image_urls(&self, message: &mut Message) -> ChatResult<()> {
        let (Some(images), Some(image)) = (self.images.as_ref(), message.image.as_mut()) else {
            return Ok(());
        };
        if let Some(key) = BlobKey::parse(&image.key) {
            image.url = images.signer.download_url(&key).await?;
            image.thumb_url = Some(images.signer.download_url(&key.thumbnail()).await?);
        }
        Ok(())
    }
}
