//! The members panel: who is in the room, online first (the server's list,
//! with who is online now from the room's live presence), and, in a public
//! room other than the lobby, inviting someone (found by name as one types)
//! and leaving the room (after a confirmation). Escape or the close button
//! closes it, giving the focus back to the header's button.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use moodchat_protocol::limits::LOBBY_ROOM_ID;
use moodchat_protocol::{Member, RoomKind, UserRef};

use super::texts::people_texts;
use crate::chat::api::ApiError;
use crate::chat::use_chat;
use crate::i18n::use_i18n;

/// The pause in typing after which people are looked up.
const DEBOUNCE_MS: u64 = 250;

#[component]
pub fn MembersPanel(room: String, on_close: Callback<()>) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let t = move || people_texts(i18n.locale.get());
    let me = chat.me().map(|me| me.sub).unwrap_or_default();
    let timeline = chat.timeline(&room);
    // Only public rooms take invitations and can be left; not the lobby.
    let open_room = room != LOBBY_ROOM_ID
        && chat.rooms.with_untracked(|rooms| rooms.iter().any(|r| r.room.id == room && r.room.kind == RoomKind::Public));
    let room = StoredValue::new(room);

    let members = RwSignal::new(None::<Vec<Member>>);
    let problem = RwSignal::new(None::<&'static str>);
    let notice = RwSignal::new(String::new());
    let load = move || {
        let Some(api) = chat.api() else { return };
        leptos::task::spawn_local(async move {
            match api.members(&room.get_value()).await {
                Ok(list) => members.set(Some(list)),
                Err(_) => problem.set(Some(people_texts(i18n.locale.get_untracked()).failed)),
            }
        });
    };
    load();

    // Online now: the live presence, or what the server said when it listed them.
    let shown = move || {
        let mut list = members.get().unwrap_or_default();
        timeline.with(|t| {
            for member in &mut list {
                member.online = member.online || t.online.iter().any(|user| user.sub == member.sub);
            }
        });
        list.sort_by(|a, b| b.online.cmp(&a.online).then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase())));
        list
    };
    let title = move || t().title.replacen("{}", &members.with(|m| m.as_ref().map_or(0, Vec::len)).to_string(), 1);

    let on_keydown = move |event: web_sys::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            on_close.run(());
        }
    };
    let close_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = close_button.get() {
            let _ = button.focus();
        }
    });

    let member_item = move |member: Member| {
        let you = (member.sub == me).then(|| view! { <span class="muted">" " {move || t().you}</span> });
        let online = member.online;
        view! {
            <li class="member" class:online=online>
                <span class="presence-dot" aria-hidden="true"></span>
                <span class="member-name">{member.name.clone()}</span>
                {you}
                <span class="visually-hidden">{move || if online { [", ", t().online].concat() } else { String::new() }}</span>
            </li>
        }
    };

    view! {
        <section class="search-panel people-panel" role="dialog" aria-labelledby="people-title" on:keydown=on_keydown>
            <div class="people-head">
                <h2 id="people-title">{title}</h2>
                <button type="button" class="search-close" node_ref=close_button aria-label=move || t().close
                    on:click=move |_| on_close.run(())>
                    <span aria-hidden="true">"✕"</span>
                </button>
            </div>
            <p class="search-status error" role="alert">{move || problem.get().unwrap_or_default()}</p>
            <ul class="members">
                <For each=shown key=|member| (member.sub.clone(), member.online) children=member_item />
            </ul>
            <MuteToggle room=room.get_value() problem />
            {open_room.then(|| view! {
                <Invite room=room.get_value() members notice problem reload=Callback::new(move |_| load()) />
                <Leave room=room.get_value() problem />
            })}
            <p class="people-notice" role="status">{move || notice.get()}</p>
        </section>
    }
}

/// Muting the room for me: it still counts unread, but never notifies.
#[component]
fn MuteToggle(room: String, problem: RwSignal<Option<&'static str>>) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let t = move || people_texts(i18n.locale.get());
    let room = StoredValue::new(room);
    let muted = move || chat.rooms.with(|rooms| room.with_value(|id| rooms.iter().any(|r| &r.room.id == id && r.muted)));
    let on_change = move |event: web_sys::Event| {
        let wanted = event_target_checked(&event);
        let Some(api) = chat.api() else { return };
        leptos::task::spawn_local(async move {
            let id = room.get_value();
            match api.set_muted(&id, wanted).await {
                Ok(()) => chat.rooms.update(|rooms| {
                    if let Some(summary) = rooms.iter_mut().find(|r| r.room.id == id) {
                        summary.muted = wanted;
                    }
                }),
                // The box shows what the server has: refresh it from the list.
                Err(_) => {
                    problem.set(Some(people_texts(i18n.locale.get_untracked()).failed));
                    chat.rooms.update(|_| ());
                }
            }
        });
    };
    view! {
        <div class="mute-room">
            <label class="mute-toggle">
                <input type="checkbox" prop:checked=muted on:change=on_change aria-describedby="mute-hint" />
                {move || t().mute}
            </label>
            <p id="mute-hint" class="muted mute-hint">{move || t().mute_hint}</p>
        </div>
    }
}

/// Inviting someone: people found by name as one types, each with a
/// button that brings them into the room.
#[component]
fn Invite(
    room: String,
    members: RwSignal<Option<Vec<Member>>>,
    notice: RwSignal<String>,
    problem: RwSignal<Option<&'static str>>,
    reload: Callback<()>,
) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let t = move || people_texts(i18n.locale.get());
    let found = RwSignal::new(None::<Vec<UserRef>>);
    let query = RwSignal::new(String::new());
    let timer: StoredValue<Option<TimeoutHandle>> = StoredValue::new(None);
    let room = StoredValue::new(room);

    let on_input = move |event: web_sys::Event| {
        let typed = event_target_value(&event);
        query.set(typed.clone());
        if let Some(previous) = timer.try_update_value(Option::take).flatten() {
            previous.clear();
        }
        let typed = typed.trim().to_owned();
        if typed.is_empty() {
            found.set(None);
            return;
        }
        let look_up = move || {
            let Some(api) = chat.api() else { return };
            leptos::task::spawn_local(async move {
                if let Ok(users) = api.users(&typed).await {
                    // Who is in the room already needs no invitation.
                    let inside = |user: &UserRef| members.with_untracked(|m| m.iter().flatten().any(|m| m.sub == user.sub));
                    found.set(Some(users.into_iter().filter(|user| !inside(user)).collect()));
                }
            });
        };
        timer.set_value(set_timeout_with_handle(look_up, std::time::Duration::from_millis(DEBOUNCE_MS)).ok());
    };
    let invite = move |user: UserRef| {
        let Some(api) = chat.api() else { return };
        leptos::task::spawn_local(async move {
            let texts = people_texts(i18n.locale.get_untracked());
            match api.invite(&room.get_value(), &user.sub).await {
                Ok(invited) => {
                    notice.set(texts.invited.replacen("{}", &invited.name, 1));
                    problem.set(None);
                    query.set(String::new());
                    found.set(None);
                    reload.run(());
                }
                Err(ApiError::Status(429, _)) => problem.set(Some(texts.too_many)),
                Err(_) => problem.set(Some(texts.failed)),
            }
        });
    };
    let person = move |user: UserRef| {
        let label = [t().invite_button, " ", &user.name].concat();
        let name = user.name.clone();
        view! {
            <li class="person-row">
                <span>{name}</span>
                <button type="button" class="button" aria-label=label on:click=move |_| invite(user.clone())>
                    {move || t().invite_button}
                </button>
            </li>
        }
    };
    view! {
        <div class="inline-form invite">
            <h3>{move || t().invite}</h3>
            <label for="invite-person">{move || t().invite_label}</label>
            <input id="invite-person" type="search" autocomplete="off" prop:value=query on:input=on_input />
            <ul class="people" aria-live="polite">
                {move || found.get().map(|users| if users.is_empty() {
                    view! { <li class="muted">{t().no_people}</li> }.into_any()
                } else {
                    users.into_iter().map(person).collect_view().into_any()
                })}
            </ul>
        </div>
    }
}

/// Leaving the room, after a confirmation: back to the lobby.
#[component]
fn Leave(room: String, problem: RwSignal<Option<&'static str>>) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let t = move || people_texts(i18n.locale.get());
    let confirming = RwSignal::new(false);
    // The question takes the focus from the button it replaces; Cancel is
    // the safe answer to land on.
    let cancel = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(cancel) = cancel.get() {
            let _ = cancel.focus();
        }
    });
    let navigate = use_navigate();
    let room = StoredValue::new(room);
    let leave = move |_| {
        let Some(api) = chat.api() else { return };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api.leave(&room.get_value()).await {
                Ok(()) => {
                    chat.unfollow(&room.get_value());
                    chat.refresh_rooms();
                    navigate(&["/rooms/", LOBBY_ROOM_ID].concat(), Default::default());
                }
                Err(_) => problem.set(Some(people_texts(i18n.locale.get_untracked()).failed)),
            }
        });
    };
    view! {
        <div class="leave-room">
            <button type="button" class="link-button danger" hidden=confirming on:click=move |_| confirming.set(true)>
                {move || t().leave}
            </button>
            {move || confirming.get().then(|| view! {
                <div role="alertdialog" aria-labelledby="leave-question" class="leave-confirm">
                    <p id="leave-question">{t().leave_confirm}</p>
                    <button type="button" class="button danger" on:click=leave.clone()>{t().leave}</button>
                    <button type="button" class="button secondary" node_ref=cancel on:click=move |_| confirming.set(false)>{t().cancel}</button>
                </div>
            })}
        </div>
    }
}
