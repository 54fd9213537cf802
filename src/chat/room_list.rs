//! The room list: the lobby (always), rooms and direct conversations with
//! their last message, its time and the unread count; creating a room and
//! starting a direct conversation with someone.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use moodchat_protocol::limits::{LOBBY_ROOM_ID, MAX_ROOM_NAME_CHARS};
use moodchat_protocol::{Room, RoomKind, RoomSummary, UserRef};

use super::api::encode;
use super::client::{use_chat, Chat};
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
                peer: None,
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
    let title = tr(|t| t.rooms_title);
    let heading = if primary {
        view! { <h1 class="room-list-title">{title}</h1> }.into_any()
    } else {
        view! { <h2 class="room-list-title">{title}</h2> }.into_any()
    };
    view! {
        <nav class="room-list-pane" aria-label=title>
            {heading}
            <ul class="room-list">
                <For
                    each=move || with_lobby(chat.rooms.get())
                    key=|summary| {
                        (summary.room.id.clone(), summary.unread, summary.last_message.as_ref().map(|m| m.id.clone()), summary.peer.is_some())
                    }
                    children=move |summary| view! { <RoomItem summary /> }
                />
            </ul>
            <NewRoom chat />
            <FindPeople chat />
        </nav>
    }
}

#[component]
fn RoomItem(summary: RoomSummary) -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let href = room_href(&summary.room.id);
    let current = {
        let href = href.clone();
        move || (location.pathname.get() == href).then_some("page")
    };
    let avatar = match summary.room.kind {
        RoomKind::Public => "#".to_owned(),
        RoomKind::Direct => display_name(&summary, i18n.t()).chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default(),
    };
    let last = summary.last_message.clone();
    let preview = last.as_ref().map(|message| {
        let text = if message.text.is_empty() { "🖼".to_owned() } else { message.text.chars().take(80).collect() };
        [message.sender.name.as_str(), ": ", &text].concat()
    });
    let time = last.map(|message| {
        let at = message.created_at;
        view! { <span class="room-time">{text(move || time_label(at, i18n.locale.get().tag()))}</span> }
    });
    let unread = summary.unread;
    let badge = (unread > 0).then(|| {
        view! {
            <span class="unread-badge">
                {unread_label(unread)}
                <span class="visually-hidden">" " {tr(|t| t.chat_unread)}</span>
            </span>
        }
    });
    let name = text(move || display_name(&summary, i18n.t()));
    view! {
        <li>
            <a href=href class="room-link" aria-current=current>
                <span class="room-avatar" aria-hidden="true">{avatar}</span>
                <span class="room-text">
                    <span class="room-name">{name}</span>
                    <span class="room-last">{preview}</span>
                </span>
                <span class="room-meta">{time}{badge}</span>
            </a>
        </li>
    }
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

/// Finds people by name and opens the direct conversation with one.
#[component]
fn FindPeople(chat: Chat) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let found: RwSignal<Option<Vec<UserRef>>> = RwSignal::new(None);
    let navigate = use_navigate();
    // Searches once the user pauses typing, not on every keystroke.
    let timer: StoredValue<Option<TimeoutHandle>> = StoredValue::new(None);
    Effect::new(move |_| {
        let text = query.get().trim().to_owned();
        if let Some(previous) = timer.try_update_value(Option::take).flatten() {
            previous.clear();
        }
        if text.is_empty() {
            found.set(None);
            return;
        }
        let handle = set_timeout_with_handle(
            move || {
                let Some(api) = chat.api() else { return };
                leptos::task::spawn_local(async move {
                    if let Ok(users) = api.users(&text).await {
                        found.set(Some(users));
                    }
                });
            },
            std::time::Duration::from_millis(250),
        )
        .ok();
        timer.set_value(handle);
    });
    let open = move |user: UserRef| {
        let Some(api) = chat.api() else { return };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            if let Ok(room) = api.open_direct(&user.sub).await {
                query.set(String::new());
                chat.refresh_rooms();
                navigate(&room_href(&room.id), Default::default());
            }
        });
    };
    let results = move || {
        let open = open.clone();
        found.get().map(|users| {
            if users.is_empty() {
                return view! { <p class="muted">{tr(|t| t.chat_no_people)}</p> }.into_any();
            }
            let items: Vec<_> = users
                .into_iter()
                .map(|user| {
                    let open = open.clone();
                    let label = user.name.clone();
                    view! {
                        <li>
                            <button type="button" class="person" on:click=move |_| open(user.clone())>{label}</button>
                        </li>
                    }
                })
                .collect();
            view! { <ul class="people">{items}</ul> }.into_any()
        })
    };
    view! {
        <details class="chat-tool">
            <summary>{tr(|t| t.chat_find_people)}</summary>
            <div class="inline-form">
                <label for="find-people">{tr(|t| t.chat_find_people_label)}</label>
                <input
                    id="find-people"
                    type="search"
                    autocomplete="off"
                    prop:value=query
                    on:input=move |event| query.set(event_target_value(&event))
                />
                {results}
            </div>
        </details>
    }
}
