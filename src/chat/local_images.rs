//! Images we are sending, shown from the browser's own copy of the file (the
//! object URL made for the composer's preview) while their message is
//! pending, so the row shows the picture at once and in the space it keeps.
//! The server's copy takes over when a confirmed message carries it; the
//! object URL is revoked then, since it holds the whole file in memory.
//!
//! The registry is plain data outside the reactive graph: the composer adds
//! an image just before the send makes its pending row, and the message list
//! reads it while building rows and sweeps it whenever the timeline changes.

use std::cell::RefCell;

use moodchat_protocol::{Image, Message};

use super::store::{Pending, Timeline};

/// One image being sent, by the key of its upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalImage {
    pub room: String,
    /// The upload's key, which the message is sent with.
    pub key: String,
    /// The object URL of the chosen file.
    pub url: String,
    /// Its dimensions as the browser decoded it (upright, like the server's).
    pub w: Option<u32>,
    pub h: Option<u32>,
    /// The send carrying it, once seen pending: an ack can confirm the
    /// message before the echo brings the server's image, and until then the
    /// confirmed row keeps showing this copy.
    pub client_id: Option<String>,
}

impl LocalImage {
    fn as_image(&self) -> Image {
        Image { key: self.key.clone(), url: self.url.clone(), w: self.w, h: self.h, thumb_url: None }
    }
}

/// What to do with a local image, given its room's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Its message is still pending (this client id): keep showing it.
    Pending(String),
    /// The message was acknowledged but the server's copy has not arrived.
    AwaitingEcho,
    /// The server's copy is shown, or the send is gone: revoke it.
    Release,
}

/// How many of the newest confirmed messages are searched for an ack; a
/// confirmation is always among the last few.
const RECENT: usize = 200;

pub fn fate(image: &LocalImage, timeline: &Timeline, me: &str) -> Fate {
    if let Some(pending) = timeline.pending.iter().find(|p| p.image_key.as_deref() == Some(image.key.as_str())) {
        return Fate::Pending(pending.client_id.clone());
    }
    let acknowledged_without_image = image.client_id.as_deref().is_some_and(|client_id| {
        timeline
            .messages
            .iter()
            .rev()
            .take(RECENT)
            .any(|m| m.client_id == client_id && m.sender.sub == me && m.image.is_none())
    });
    if acknowledged_without_image {
        Fate::AwaitingEcho
    } else {
        Fate::Release
    }
}

thread_local! {
    static SHOWN: RefCell<Vec<LocalImage>> = const { RefCell::new(Vec::new()) };
}

/// Takes over `image` (and the duty to revoke its URL) for its send.
pub fn keep(image: LocalImage) {
    SHOWN.with_borrow_mut(|shown| shown.push(image));
}

/// The image a pending send shows, when this tab still has the file.
pub fn for_pending(pending: &Pending) -> Option<Image> {
    let key = pending.image_key.as_deref()?;
    SHOWN.with_borrow(|shown| shown.iter().find(|image| image.key == key).map(LocalImage::as_image))
}

/// The image one of our confirmed messages shows until its echo brings the
/// server's copy.
pub fn for_acknowledged(message: &Message) -> Option<Image> {
    SHOWN.with_borrow(|shown| {
        shown
            .iter()
            .find(|image| image.room == message.room && image.client_id.as_deref() == Some(message.client_id.as_str()))
            .map(LocalImage::as_image)
    })
}

/// Brings the registry up to date with `timeline`: notes which send carries
/// each image and revokes the ones no longer shown. Images of other rooms
/// are left to their own room's list.
pub fn sweep(timeline: &Timeline, me: &str) {
    let Some(room) = timeline.pending.first().map(|p| &p.room).or_else(|| timeline.messages.last().map(|m| &m.room))
    else {
        return;
    };
    SHOWN.with_borrow_mut(|shown| {
        shown.retain_mut(|image| {
            if image.room != *room {
                return true;
            }
            match fate(image, timeline, me) {
                Fate::Pending(client_id) => {
                    image.client_id = Some(client_id);
                    true
                }
                Fate::AwaitingEcho => true,
                Fate::Release => {
                    let _ = web_sys::Url::revoke_object_url(&image.url);
                    false
                }
            }
        })
    });
}
