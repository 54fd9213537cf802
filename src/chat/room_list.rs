//! The room list: the lobby (always), rooms and direct conversations with
//! their last message, its time and the unread count; creating a room and
//! starting a direct conversation with someone.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use moodchat_protocol::limits::{LOBBY_ROOM_ID, MAX_ROOM_NAME_CHARS};
use moodchat_protocol::{Room, RoomKind, RoomSummary, UserRef};

use super::api::encode;
use super::client::{use_chat, Chat};
use super::dom::{append, document, element, set, with_text, Keyed};
use super::message_list::text;
use super::time::time_label;
use crate::i18n::{tr, use_i18n, Texts};

/// The room list with the lobby first when the server has not listed it yet.
fn with_lobby(mut rooms: Vec<RoomSummary>) -> Vec<RoomSummary> {
    if !rooms.iter().any(|summary| summary.room.id == LOBBY_ROOM_ID) {
        rooms.insert(
            0,
            RoomSummary {
                room: Room { id: LOBBY_ROOM_ID.into(), name: LOBBY_ROOM_ID.into(), kind: RoomKind::Public },
                member: true,
                last_message: None,
                unread: 0,
                last_read_seq: 0,
                peer: None,
                muted: false,
                mentions: 0,
            },
        );
    }
    rooms
}

/// A room's name as shown: the lobby translated, a direct conversation by
/// the other person's name.
pub fn display_name(summary: &RoomSummary, t: &Texts) -> String {
    if summary.room.id == LOBBY_ROOM_ID {
        return t.lobby_name.to_owned();
    }
    match &summary.peer {
        Some(peer) => peer.name.clone(),
        None => summary.room.name.clone(),
    }
}

/// "3", or "999+" when the server's count is capped.
pub fn unread_label(unread: u32) -> String {
    if unread > 999 { "999+".into() } else { unread.to_string() }
}

fn room_href(id: &str) -> String {
    ["/rooms/", &encode(id)].concat()
}

#[component]
pub fn RoomList(
    /// The page's main heading (the room list page) or a sidebar's.
    primary: bool,
) -> impl IntoView {
    let chat = use_chat();
    super::tab_title::follow_tab_title(chat);
    let title = tr(|t| t.rooms_title);
    let heading = if primary {
        view! { <h1 class="room-list-title">{title}</h1> }.into_any()
    } else {
        view! { <h2 class="room-list-title">{title}</h2> }.into_any()
    };
    // The items are plain DOM kept by key (see `dom`): a room's item is
    // rebuilt when its unread count, last message, name, language or
    // whether it is the current page changes.
    let list = NodeRef::<leptos::html::Ul>::new();
    let keyed = Keyed::new();
    let i18n = use_i18n();
    let location = use_location();
    Effect::new(move |_| {
        let Some(container) = list.get() else { return };
        let locale = i18n.locale.get();
        let path = location.pathname.get();
        let rooms = with_lobby(chat.rooms.get());
        let items = rooms
            .iter()
            .map(|summary| {
                let name = display_name(summary, locale.texts());
                let href = room_href(&summary.room.id);
                let current = path == href;
                let key = format!(
                    "{}|{}|{}|{}|{name}|{current}|{}|{}|{}",
                    summary.room.id,
                    summary.unread,
                    summary.muted,
                    summary.mentions,
                    summary.last_message.as_ref().map_or("", |m| m.id.as_str()),
                    // An edit or unsend of the last message changes the preview.
                    summary.last_message.as_ref().map_or(0, |m| m.change),
                    locale.tag()
                );
                let build: Box<dyn FnOnce() -> web_sys::Element + '_> =
                    Box::new(move || build_item(summary, &name, &href, current, locale.texts(), locale.tag()));
                (key, build)
            })
            .collect();
        keyed.update(&container, items);
    });
    view! {
        <nav class="room-list-pane" aria-label=title>
            {heading}
            <ul class="room-list" node_ref=list></ul>
            // Creating a room and finding people: a chunk of their own.
            {Suspend::new(room_tools(chat))}
        </nav>
    }
}

split_view! { room_tools:
    fn room_tools(chat: Chat) -> AnyView {
        view! {
            <NewRoom chat />
            <FindPeople chat />
            <crate::people::BrowseRooms chat />
        }
        .into_any()
    }
}

/// One room: avatar, name, last message, its time and the unread count.
fn build_item(summary: &RoomSummary, name: &str, href: &str, current: bool, t: &Texts, locale: &str) -> web_sys::Element {
    let document = document();
    let item = element(&document, "li", "");
    let link = element(&document, "a", "room-link");
    set(&link, "href", href);
    if current {
        set(&link, "aria-current", "page");
    }
    let avatar = match summary.room.kind {
        RoomKind::Public => "#".to_owned(),
        RoomKind::Direct => super::message_row::initial(name),
    };
    let avatar = with_text(&document, "span", "room-avatar", &avatar);
    set(&avatar, "aria-hidden", "true");
    append(&link, &avatar);
    let text = element(&document, "span", "room-text");
    append(&text, &with_text(&document, "span", "room-name", name));
    let meta = element(&document, "span", "room-meta");
    if let Some(message) = &summary.last_message {
        let preview = match (message.deleted_at, message.text.is_empty()) {
            (Some(_), _) => t.chat_deleted.to_owned(),
            (None, true) => "🖼".to_owned(),
            (None, false) => message.text.chars().take(80).collect(),
        };
        append(&text, &with_text(&document, "span", "room-last", &[message.sender.name.as_str(), ": ", &preview].concat()));
        append(&meta, &with_text(&document, "span", "room-time", &time_label(message.created_at, locale)));
    }
    // The muted mark and the badges share one line under the time.
    let badges = element(&document, "span", "room-badges");
    if summary.muted {
        // Muted: a bell struck through, named for a screen reader.
        let bell = with_text(&document, "span", "muted-mark", "🔕");
        set(&bell, "title", t.chat_muted);
        set(&bell, "aria-label", t.chat_muted);
        set(&bell, "role", "img");
        append(&badges, &bell);
    }
    if summary.mentions > 0 {
        // Someone wrote to me by name: an "@" badge before the count, as in Slack.
        let badge = with_text(&document, "span", "mention-badge", &["@", &unread_label(summary.mentions)].concat());
        append(&badge, &with_text(&document, "span", "visually-hidden", &[" ", t.chat_mentions_you].concat()));
        append(&badges, &badge);
    }
    if summary.unread > 0 {
        let class = if summary.muted { "unread-badge muted" } else { "unread-badge" };
        let badge = with_text(&document, "span", class, &unread_label(summary.unread));
        append(&badge, &with_text(&document, "span", "visually-hidden", &[" ", t.chat_unread].concat()));
        append(&badges, &badge);
    }
    append(&link, &text);
    if badges.has_child_nodes() {
        append(&meta, &badges);
    }
    append(&link, &meta);
    append(&item, &link);
    item
}

/// Creates a public room and opens it.
#[component]
fn NewRoom(chat: Chat) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let failed = RwSignal::new(false);
    let form = NodeRef::<leptos::html::Form>::new();
    let navigate = use_navigate();
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let room_name = name.get_untracked().trim().to_owned();
        let Some(api) = chat.api() else { return };
        if room_name.is_empty() {
            return;
        }
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api.create_room(&room_name).await {
                Ok(room) => {
                    // The input is not bound to `name`; the next room starts from an empty field.
                    if let Some(form) = form.get_untracked() {
                        form.reset();
                    }
                    name.set(String::new());
                    failed.set(false);
                    chat.refresh_rooms();
                    navigate(&room_href(&room.id), Default::default());
                }
                Err(_) => failed.set(true),
            }
        });
    };
    let failed_text = text(move || if failed.get() { i18n.t().chat_action_failed.to_owned() } else { String::new() });
    view! {
        <details class="chat-tool">
            <summary>{tr(|t| t.chat_new_room)}</summary>
            <form class="inline-form" node_ref=form on:submit=on_submit>
                <label for="new-room-name">{tr(|t| t.chat_new_room_label)}</label>
                <div class="inline-row">
                    <input
                        id="new-room-name"
                        type="text"
                        required
                        maxlength=MAX_ROOM_NAME_CHARS
                        on:input=move |event| name.set(event_target_value(&event))
                    />
                    <button type="submit" class="button">{tr(|t| t.chat_create_room)}</button>
                </div>
                <p class="form-error" role="alert">{failed_text}</p>
            </form>
        </details>
    }
}

/// Finds people by name (as the user pauses typing) and opens the direct
/// conversation with the one picked. The results are plain DOM, with one
/// delegated click handler.
#[component]
fn FindPeople(chat: Chat) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let results = NodeRef::<leptos::html::Ul>::new();
    let timer: StoredValue<Option<TimeoutHandle>> = StoredValue::new(None);

    let show = move |users: Vec<UserRef>| {
        let Some(list) = results.get_untracked() else { return };
        let document = document();
        let items = js_sys::Array::new();
        for user in &users {
            let item = element(&document, "li", "");
            let button = with_text(&document, "button", "person", &user.name);
            set(&button, "type", "button");
            set(&button, "data-sub", &user.sub);
            append(&item, &button);
            items.push(&item);
        }
        if users.is_empty() {
            items.push(&with_text(&document, "li", "muted", i18n.t().chat_no_people));
        }
        list.replace_children_with_node(&items);
    };
    let on_input = move |event: web_sys::Event| {
        let query = event_target_value(&event).trim().to_owned();
        if let Some(previous) = timer.try_update_value(Option::take).flatten() {
            previous.clear();
        }
        if query.is_empty() {
            if let Some(list) = results.get_untracked() {
                list.replace_children_with_node_0();
            }
            return;
        }
        let search = move || {
            let Some(api) = chat.api() else { return };
            leptos::task::spawn_local(async move {
                if let Ok(users) = api.users(&query).await {
                    show(users);
                }
            });
        };
        timer.set_value(set_timeout_with_handle(search, std::time::Duration::from_millis(250)).ok());
    };
    let on_click = move |event: web_sys::MouseEvent| {
        let target = event.target().and_then(|target| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(target).ok());
        let Some(sub) = target.and_then(|t| t.closest("button.person").ok().flatten()).and_then(|b| b.get_attribute("data-sub"))
        else {
            return;
        };
        let Some(api) = chat.api() else { return };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            if let Ok(room) = api.open_direct(&sub).await {
                chat.refresh_rooms();
                navigate(&room_href(&room.id), Default::default());
            }
        });
    };
    view! {
        <details class="chat-tool">
            <summary>{tr(|t| t.chat_find_people)}</summary>
            <div class="inline-form">
                <label for="find-people">{tr(|t| t.chat_find_people_label)}</label>
                <input id="find-people" type="search" autocomplete="off" on:input=on_input />
                <ul class="people" node_ref=results on:click=on_click aria-live="polite"></ul>
            </div>
        </details>
    }
}
