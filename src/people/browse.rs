//! Browsing rooms: the public rooms one has not joined, listed when the
//! room list's "Browse rooms" is opened, each with a button that joins it
//! and opens it.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use moodchat_protocol::RoomSummary;

use super::texts::people_texts;
use crate::chat::api::encode;
use crate::chat::Chat;
use crate::i18n::use_i18n;

#[derive(Clone, Debug, PartialEq)]
enum Listing {
    Closed,
    Loading,
    Rooms(Vec<RoomSummary>),
    Failed,
}

#[component]
pub fn BrowseRooms(chat: Chat) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || people_texts(i18n.locale.get());
    let listing = RwSignal::new(Listing::Closed);
    let details = NodeRef::<leptos::html::Details>::new();
    // Listed afresh each time it is opened: rooms come and go.
    let on_toggle = move |_| {
        if !details.get_untracked().is_some_and(|details| details.open()) {
            listing.set(Listing::Closed);
            return;
        }
        let Some(api) = chat.api() else { return };
        listing.set(Listing::Loading);
        leptos::task::spawn_local(async move {
            listing.set(match api.joinable_rooms().await {
                Ok(rooms) => Listing::Rooms(rooms),
                Err(_) => Listing::Failed,
            });
        });
    };
    let navigate = use_navigate();
    let join = move |id: String| {
        let Some(api) = chat.api() else { return };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api.join(&id).await {
                Ok(()) => {
                    chat.refresh_rooms();
                    if let Some(details) = details.get_untracked() {
                        details.set_open(false);
                    }
                    navigate(&["/rooms/", &encode(&id)].concat(), Default::default());
                }
                Err(_) => listing.set(Listing::Failed),
            }
        });
    };
    let status = move || match listing.get() {
        Listing::Loading => t().loading,
        Listing::Rooms(rooms) if rooms.is_empty() => t().browse_none,
        Listing::Failed => t().failed,
        _ => "",
    };
    let rooms = move || match listing.get() {
        Listing::Rooms(rooms) => rooms,
        _ => Vec::new(),
    };
    let item = move |summary: RoomSummary| {
        let name = summary.room.name.clone();
        let label = [t().join, " ", &name].concat();
        let last = summary.last_message.as_ref().map(|m| [m.sender.name.as_str(), ": ", &m.text.chars().take(60).collect::<String>()].concat());
        let id = summary.room.id.clone();
        let join = join.clone();
        view! {
            <li class="joinable-room">
                <span class="room-text">
                    <span class="room-name">{name}</span>
                    <span class="room-last">{last}</span>
                </span>
                <button type="button" class="button" aria-label=label on:click=move |_| join(id.clone())>{t().join}</button>
            </li>
        }
    };
    view! {
        <details class="chat-tool browse-rooms" node_ref=details on:toggle=on_toggle>
            <summary>{move || t().browse}</summary>
            <div class="inline-form">
                <p class="muted" role="status">{status}</p>
                <ul class="joinable-rooms" aria-label=move || t().browse_list>
                    <For each=rooms key=|summary| summary.room.id.clone() children=item />
                </ul>
            </div>
        </details>
    }
}
