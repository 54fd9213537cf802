//! One message row, built with plain DOM calls (see `dom`). Links are the
//! http(s) URLs `linkify` found; everything else is text nodes.

use moodchat_protocol::Message;
use web_sys::Element;
use super::dom::{append, document, element, set, set_style, with_text};
use super::image_viewer::opener_id;
use super::linkify::{segments, Segment};
use super::mood_badge::badge;
use super::reaction_chips::{chips, react_button};
use super::replies::{quote_button, reply_button};
use super::store::SendState;
use super::time::{day_label, full_label, time_label};
use crate::i18n::Texts;

/// Everything one row shows, compared to decide whether to re-render it.
#[derive(Clone, Debug, PartialEq)]
pub struct RowData {
    /// The measurement key: message id, or client id while pending.
    pub key: String,
    pub message: Message,
    pub state: SendState,
    pub mine: bool,
    pub new_day: bool,
    pub new_group: bool,
    /// The first unread message: a "new messages" line above it.
    pub unread_line: bool,
    /// The search result jumped to (`Timeline::marked`): marked, and
    /// focusable so that the list can give it the keyboard focus.
    pub target: bool,
    /// Who is reading (their `sub`): the reactions that are theirs show pressed.
    pub me: String,
    /// Someone else's message that mentions the reader (`@` and their
    /// name): marked.
    pub mentions_me: bool,
}

impl RowData {
    /// Changes whenever the row must be rebuilt (confirmed, failed,
    /// regrouped, mood arrived, the server's image replaced the local one).
    pub fn render_key(&self) -> String {
        format!(
            "{}:{}:{}:{}{}{}{}{}{}{}:{}",
            self.key,
            self.message.change,
            self.state as u8,
            self.new_day as u8,
            self.new_group as u8,
            self.unread_line as u8,
            self.target as u8,
            self.message.sentiment.as_ref().map_or(0, |s| (s.score * 1000.0) as i32 + 1),
            self.message.author_mood.map_or("", |m| m.label.as_str()),
            self.message.image.as_ref().map_or(0, |image| 1 + u8::from(image.url.starts_with("blob:"))),
            // The quote changes with its original (an edit, an unsend).
            self.message.reply_to.as_ref().map_or(String::new(), |quote| format!("{}{}", quote.deleted as u8, quote.text))
        )
    }
}

/// The widest an image is shown, in CSS pixels.
const IMAGE_MAX_W: u32 = 280;

/// The size an image of `w`×`h` is shown at in a row: its width capped at
/// `IMAGE_MAX_W`, the height in proportion. `None` when the size is unknown.
/// The local preview of a pending image and the server's copy have the same
/// dimensions, so the row keeps its height when one replaces the other.
pub fn shown_size(w: Option<u32>, h: Option<u32>) -> Option<(u32, u32)> {
    let (w, h) = (w.filter(|w| *w > 0)?, h?);
    let width = w.min(IMAGE_MAX_W);
    Some((width, (u64::from(h) * u64::from(width) / u64::from(w)) as u32))
}

/// How many avatar colours there are: hues 15° apart (style/chat.css).
pub const AVATAR_HUES: u32 = 24;

/// A stable colour per person for the avatar, from a hash of their id
/// (FNV-1a: every byte moves every bit, so ids that differ in one place,
/// as generated ids do, still spread over the hues).
pub fn hue(sub: &str) -> u32 {
    let hash = sub.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    hash % AVATAR_HUES
}

/// Builds the row: an optional day separator; the sender's avatar, name and
/// time when a group starts (else the name for screen readers only); the
/// text with safe links; an image in reserved space; the mood emoji; and the
/// send state with a retry button (handled by the list, by delegation).
/// An avatar's letter: the name's first character, upper-cased by the
/// browser (`String.prototype.toUpperCase`, full Unicode: "ß" -> "SS").
/// Rust's `char::to_uppercase` would put its 13 KB Unicode case table in
/// the main module (6 KB of the gzipped bundle) for one letter.
pub fn initial(name: &str) -> String {
    let first = name.chars().next().map(String::from).unwrap_or_default();
    js_sys::JsString::from(first).to_upper_case().into()
}

pub fn build_row(row: &RowData, t: &Texts, locale: &str) -> Element {
    let document = document();
    let message = &row.message;
    let class = [
        "message",
        if row.mine { " mine" } else { "" },
        if row.new_group { " group-start" } else { "" },
        if row.target { " search-target" } else { "" },
        if row.mentions_me { " mentions-me" } else { "" },
        match row.state {
            SendState::Sent => "",
            SendState::Sending => " pending",
            SendState::Failed => " failed",
        },
    ]
    .concat();
    let root = element(&document, "div", &class);
    set(&root, "data-key", &row.key);
    if row.target {
        set(&root, "tabindex", "-1");
    }

    if row.unread_line {
        let line = element(&document, "div", "unread-line");
        set(&line, "role", "separator");
        append(&line, &with_text(&document, "span", "", t.chat_unread_line));
        append(&root, &line);
    }
    if row.new_day {
        let separator = element(&document, "div", "day-separator");
        set(&separator, "role", "separator");
        append(&separator, &with_text(&document, "span", "", &day_label(message.created_at, locale)));
        append(&root, &separator);
    }
    let name = &message.sender.name;
    if row.new_group {
        let head = element(&document, "div", "message-head");
        let avatar = with_text(&document, "span", "avatar", &initial(name));
        set(&avatar, "aria-hidden", "true");
        set_style(&avatar, "--hue", &hue(&message.sender.sub).to_string());
        append(&head, &avatar);
        append(&head, &with_text(&document, "span", "sender", name));
        let time = with_text(&document, "time", "time", &time_label(message.created_at, locale));
        set(&time, "title", &full_label(message.created_at, locale));
        append(&head, &time);
        append(&root, &head);
    } else {
        append(&root, &with_text(&document, "span", "visually-hidden", name));
    }
    if row.mentions_me {
        append(&root, &with_text(&document, "span", "visually-hidden", t.chat_mentions_you));
    }

    let body = element(&document, "div", "message-body");
    let bubble = element(&document, "div", "bubble");
    let deleted = message.deleted_at.is_some();
    if let (Some(quote), false) = (&message.reply_to, deleted) {
        append(&bubble, &quote_button(&document, &message.room, quote, t));
    }
    if deleted {
        append(&bubble, &with_text(&document, "p", "message-text deleted", t.chat_deleted));
    } else if !message.text.is_empty() {
        let paragraph = element(&document, "p", "message-text");
        for segment in segments(&message.text) {
            match segment {
                Segment::Text(text) => {
                    let _ = paragraph.append_child(&document.create_text_node(text));
                }
                Segment::Link(url) => {
                    let link = with_text(&document, "a", "", url);
                    set(&link, "href", url);
                    set(&link, "target", "_blank");
                    set(&link, "rel", "noopener noreferrer");
                    append(&paragraph, &link);
                }
            }
        }
        append(&bubble, &paragraph);
    }
    if let Some(image) = &message.image {
        let img = element(&document, "img", "message-image");
        set(&img, "src", image.thumb_url.as_deref().unwrap_or(&image.url));
        set(&img, "loading", "lazy");
        set(&img, "decoding", "async");
        set(&img, "alt", t.chat_image_alt);
        // The full-size image opens in the page's viewer (`image_viewer`,
        // by delegation from the list): a button, so Enter and Space open
        // it too. It carries the full URL and the natural size (as the CSS
        // variables the viewer's image is sized by).
        let open = element(&document, "button", "message-image-button");
        set(&open, "type", "button");
        set(&open, "aria-label", t.image_open_full);
        set(&open, "data-full", &image.url);
        set(&open, "id", &opener_id(&row.key));
        // Width and height reserve the space before the image loads.
        if let Some((width, height)) = shown_size(image.w, image.h) {
            set(&img, "width", &width.to_string());
            set(&img, "height", &height.to_string());
            let natural = [image.w, image.h].map(|side| side.unwrap_or_default().to_string());
            set(&open, "data-size", &[natural[0].as_str(), " ", &natural[1]].concat());
        }
        append(&open, &img);
        append(&bubble, &open);
    }
    if message.edited_at.is_some() && !deleted {
        append(&bubble, &with_text(&document, "span", "edited-mark", t.chat_edited));
    }
    append(&body, &bubble);
    let own = row.mine && row.state == SendState::Sent && !message.id.is_empty();
    if let Some(mood) = badge(&document, message, own, t) {
        append(&body, &mood);
    }
    if own && !deleted {
        append(&body, &menu_button(message, t));
    }
    let sent = row.state == SendState::Sent && !message.id.is_empty();
    if sent && !deleted {
        append(&body, &react_button(&document, message, t));
        append(&body, &reply_button(&document, message, t));
    }
    append(&root, &body);
    if let Some(chips) = chips(&document, message, &row.me, t) {
        append(&root, &chips);
    }

    match row.state {
        SendState::Sent => {}
        SendState::Sending => append(&root, &with_text(&document, "span", "send-state", t.chat_sending)),
        SendState::Failed => {
            let status = with_text(&document, "span", "send-state failed", t.chat_failed);
            set(&status, "role", "alert");
            let retry = with_text(&document, "button", "link-button retry", t.chat_retry);
            set(&retry, "type", "button");
            set(&retry, "data-client-id", &message.client_id);
            let _ = status.append_child(&document.create_text_node(" "));
            append(&status, &retry);
            append(&root, &status);
        }
    }
    root
}

/// The button of one's own message's menu (`message_menu`, by delegation).
fn menu_button(message: &moodchat_protocol::Message, t: &Texts) -> Element {
    let button = with_text(&document(), "button", "message-actions", "⋯");
    set(&button, "type", "button");
    set(&button, "aria-haspopup", "menu");
    set(&button, "aria-expanded", "false");
    set(&button, "aria-label", t.chat_message_actions);
    set(&button, "data-message-id", &message.id);
    set(&button, "data-room", &message.room);
    set(&button, "data-created", &message.created_at.to_string());
    button
}

#[cfg(test)]
mod tests {
    use super::{hue, initial, AVATAR_HUES};
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn people_get_different_avatar_colours() {
        // Ids as the identity provider makes them, differing in one place.
        let ids: Vec<String> = (0..12).map(|n| format!("7c1e4a2b-0000-4000-8000-00000000000{n:x}")).collect();
        let mut hues: Vec<u32> = ids.iter().map(|id| hue(id)).collect();
        assert!(hues.iter().all(|hue| *hue < AVATAR_HUES));
        assert_eq!(hue(&ids[0]), hue(&ids[0]), "stable");
        hues.sort();
        hues.dedup();
        assert!(hues.len() >= 10, "twelve people share {} colours", hues.len());
    }

    #[test]
    fn an_initial_is_the_first_character_upper_cased_with_full_unicode() {
        assert_eq!(initial("alice"), "A");
        assert_eq!(initial("émile"), "É");
        assert_eq!(initial("ßtraße"), "SS", "one letter can upper-case to two");
        assert_eq!(initial("한결"), "한", "no case: unchanged");
        assert_eq!(initial("😊 smile"), "😊", "a character outside the BMP is kept whole");
        assert_eq!(initial(""), "");
    }
}
