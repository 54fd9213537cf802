//! Browser notifications (issue 17): a new message in a direct conversation,
//! or one that mentions me (`@` and my name), while the tab is hidden, unless
//! the room is muted. The browser asks for permission only when the person
//! accepts the offer, which comes at a moment that makes sense: in a direct
//! conversation they have written in, never on first load. A click on a
//! notification brings the tab forward and opens the room.

use leptos::prelude::*;
pub use moodchat_protocol::names::mentions;
use moodchat_protocol::{Message, RoomKind, RoomSummary, UserRef};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Notification, NotificationOptions, NotificationPermission};

use super::api::encode;
use super::dom::document;
use super::store::Timeline;
use crate::i18n::{use_i18n, Locale};
use crate::storage;

/// localStorage: the person answered the offer with "not now".
const DECLINED: &str = "moodchat.notifications.declined";
/// A notification's text is cut to this many characters.
const BODY_CHARS: usize = 120;

/// Whether this browser has notifications at all.
pub fn supported() -> bool {
    web_sys::window().is_some_and(|window| js_sys::Reflect::has(&window, &"Notification".into()).unwrap_or(false))
}


/// Whether a new message should notify `me`: someone else's, while the tab
/// is hidden, in a room that is not muted, and either a direct conversation
/// or a message that mentions me.
pub fn wanted(message: &Message, room: &RoomSummary, me: &UserRef, hidden: bool) -> bool {
    hidden
        && message.sender.sub != me.sub
        && message.deleted_at.is_none()
        && !room.muted
        && (room.room.kind == RoomKind::Direct || mentions(&message.text, &me.name))
}

/// Shows the notification of `message` in `room` when the person allowed
/// them. One per room at a time (the room's tag: a newer one replaces it).
pub fn show(message: &Message, room: &RoomSummary) {
    if !supported() || Notification::permission() != NotificationPermission::Granted {
        return;
    }
    let t = page_locale().texts();
    let title = match room.room.kind {
        RoomKind::Direct => message.sender.name.clone(),
        RoomKind::Public => [message.sender.name.as_str(), " · ", &super::room_list::display_name(room, t)].concat(),
    };
    let body = if message.text.is_empty() { t.chat_quote_image.to_owned() } else { message.text.chars().take(BODY_CHARS).collect() };
    let options = NotificationOptions::new();
    options.set_body(&body);
    options.set_tag(&room.room.id);
    let Ok(notification) = Notification::new_with_options(&title, &options) else { return };
    let path = ["/rooms/", &encode(&room.room.id)].concat();
    let shown = notification.clone();
    let on_click = Closure::once_into_js(move || {
        if let Some(window) = web_sys::window() {
            let _ = window.focus();
        }
        open(&path);
        shown.close();
    });
    notification.set_onclick(Some(on_click.unchecked_ref()));
}

impl super::Chat {
    /// A new message from the server: its notification, when one is wanted.
    /// (A room not listed yet, a conversation someone opened a moment ago,
    /// is listed with its `room_added`, before its first message.)
    pub(crate) fn notify(self, message: &Message) {
        let (Some(me), true) = (self.me(), supported()) else { return };
        let room = self.rooms.with_untracked(|rooms| rooms.iter().find(|r| r.room.id == message.room).cloned());
        if let Some(room) = room {
            if wanted(message, &room, &me, document().hidden()) {
                show(message, &room);
            }
        }
    }
}

/// Opens `path` in the app the way a link does: the router handles the
/// click on a link (client-side, no reload).
fn open(path: &str) {
    let document = document();
    let Ok(link) = document.create_element("a") else { return };
    let _ = link.set_attribute("href", path);
    if let (Some(body), Some(link)) = (document.body(), link.dyn_ref::<web_sys::HtmlElement>()) {
        let _ = body.append_child(link);
        link.click();
        link.remove();
    }
}

/// The page's language (`<html lang>`, which the app keeps current).
fn page_locale() -> Locale {
    document().document_element().map(|root| root.get_attribute("lang").unwrap_or_default()).and_then(|tag| Locale::from_tag(&tag)).unwrap_or(Locale::En)
}

/// The offer, above the composer of a direct conversation the person has
/// written in, while the browser has not been asked: "turn on" asks it (a
/// click is what lets a page ask), "not now" is remembered.
#[component]
pub fn NotificationOffer(timeline: RwSignal<Timeline>, me: String, direct: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let answered = RwSignal::new(storage::get(DECLINED).is_some());
    let asking = move || {
        let permission_unknown = supported() && Notification::permission() == NotificationPermission::Default;
        let wrote_here = timeline.with(|t| t.messages.iter().any(|m| m.sender.sub == me));
        permission_unknown && !answered.get() && direct.get() && wrote_here
    };
    let turn_on = move |_| {
        answered.set(true);
        if let Ok(asked) = Notification::request_permission() {
            // What the person chose is read from `Notification.permission`
            // whenever a message comes; nothing to keep here.
            leptos::task::spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(asked).await;
            });
        }
    };
    let not_now = move |_| {
        storage::set(DECLINED, "1");
        answered.set(true);
    };
    move || {
        asking().then(|| {
            let t = offer_texts(i18n.locale.get());
            view! {
                <div class="notification-offer" role="region" aria-label=t.title>
                    <p>{t.question}</p>
                    <button type="button" class="button primary" on:click=turn_on>{t.turn_on}</button>
                    <button type="button" class="link-button" on:click=not_now>{t.not_now}</button>
                </div>
            }
        })
    }
}

struct OfferTexts {
    title: &'static str,
    question: &'static str,
    turn_on: &'static str,
    not_now: &'static str,
}

/// The offer's words: in its chunk, not in the main module's `Texts`.
fn offer_texts(locale: Locale) -> &'static OfferTexts {
    match locale {
        Locale::En => &OfferTexts {
            title: "Notifications",
            question: "Get a notification when someone writes to you or mentions you while moodchat is in the background?",
            turn_on: "Turn on notifications",
            not_now: "Not now",
        },
        Locale::Ko => &OfferTexts {
            title: "알림",
            question: "무드챗이 백그라운드에 있을 때 누군가 메시지를 보내거나 나를 언급하면 알림을 받을까요?",
            turn_on: "알림 켜기",
            not_now: "나중에",
        },
    }
}
