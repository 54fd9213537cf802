//! The search panel: a query (searched after a pause in typing), where to
//! search (all my rooms or this room), the results with a little context
//! and their room, and more results on request. A result opens its room at
//! the message. Escape or the close button closes it; every control is a
//! real form control or button, so it works by keyboard and screen reader.

use leptos::prelude::*;
use moodchat_protocol::limits::LOBBY_ROOM_ID;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use super::jump;
use super::results::{parse_results, snippet, Hit};
use super::texts::search_texts;
use crate::chat::api::{encode, ApiError};
use crate::chat::time::full_label;
use crate::chat::use_chat;
use crate::i18n::use_i18n;

/// The pause in typing after which the query is searched.
const DEBOUNCE_MS: i32 = 300;

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    Searching,
    Done,
    Failed(ApiError),
    JumpFailed,
}

#[component]
pub fn SearchPanel(room: String, on_close: Callback<()>) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let t = move || search_texts(i18n.locale.get());
    let query = RwSignal::new(String::new());
    let this_room = RwSignal::new(false);
    let hits = RwSignal::new(Vec::<Hit>::new());
    let more = RwSignal::new(None::<String>);
    let status = RwSignal::new(Status::Idle);
    // Each search gets a number; an answer to an older one is dropped.
    let generation = StoredValue::new(0u32);

    let room_for_search = StoredValue::new(room);
    let search = move |before: Option<String>| {
        let q = query.get_untracked().trim().to_owned();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if q.is_empty() {
            hits.set(Vec::new());
            more.set(None);
            status.set(Status::Idle);
            return;
        }
        let Some(api) = chat.api() else { return };
        let mut path = format!("/search?limit=20&q={}", encode(&q));
        if this_room.get_untracked() {
            path.push_str(&format!("&room={}", room_for_search.with_value(|room| encode(room))));
        }
        if let Some(before) = &before {
            path.push_str(&format!("&before={}", encode(before)));
        }
        status.set(Status::Searching);
        leptos::task::spawn_local(async move {
            let answer = api.get(&path).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            match answer {
                Ok(value) => {
                    let (page, next) = parse_results(&value);
                    if before.is_some() {
                        hits.update(|hits| hits.extend(page));
                    } else {
                        hits.set(page);
                    }
                    more.set(next);
                    status.set(Status::Done);
                }
                Err(error) => status.set(Status::Failed(error)),
            }
        });
    };
    let later = move || {
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        leptos::task::spawn_local(async move {
            jump::sleep(DEBOUNCE_MS).await;
            if generation.try_get_value() == Some(mine) {
                search(None);
            }
        });
    };

    let navigate = use_navigate();
    let open_hit = move |hit: Hit| {
        on_close.run(());
        let (room, id) = (hit.message.room.clone(), hit.message.id.clone());
        navigate(&format!("/rooms/{}", encode(&room)), NavigateOptions::default());
        leptos::task::spawn_local(async move {
            if !jump::show(chat, room, id).await {
                status.set(Status::JumpFailed);
            }
        });
    };

    let status_text = move || {
        let t = t();
        match status.get() {
            Status::Idle => String::new(),
            Status::Searching => t.searching.to_owned(),
            Status::Done if hits.with(Vec::is_empty) => t.none.to_owned(),
            Status::Done => t.found.replacen("{}", &hits.with(Vec::len).to_string(), 1),
            Status::Failed(ApiError::Status(413, _)) => t.error_too_long.to_owned(),
            Status::Failed(ApiError::Status(429, _)) => t.error_too_fast.to_owned(),
            Status::Failed(ApiError::Status(503, _)) => t.error_unavailable.to_owned(),
            Status::Failed(ApiError::Network) => t.error_network.to_owned(),
            Status::Failed(_) => t.error_other.to_owned(),
            Status::JumpFailed => t.jump_failed.to_owned(),
        }
    };
    let failed = move || matches!(status.get(), Status::Failed(_) | Status::JumpFailed);
    let on_keydown = move |event: web_sys::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            on_close.run(());
        }
    };
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = input.get() {
            let _ = input.focus();
        }
    });

    view! {
        <section class="search-panel" role="dialog" aria-labelledby="search-title" on:keydown=on_keydown>
            <h2 id="search-title" class="visually-hidden">{move || t().title}</h2>
            <form class="search-bar" role="search" on:submit=move |event| { event.prevent_default(); search(None); }>
                <input
                    type="search"
                    class="search-input"
                    node_ref=input
                    maxlength="100"
                    autocomplete="off"
                    enterkeyhint="search"
                    aria-label=move || t().placeholder
                    placeholder=move || t().placeholder
                    prop:value=query
                    on:input=move |event| { query.set(event_target_value(&event)); later(); }
                />
                <button type="button" class="search-close" aria-label=move || t().close on:click=move |_| on_close.run(())>
                    <span aria-hidden="true">"✕"</span>
                </button>
            </form>
            <fieldset class="search-scope">
                <legend class="visually-hidden">{move || t().scope}</legend>
                <label>
                    <input type="radio" name="search-scope" prop:checked=move || !this_room.get()
                        on:change=move |_| { this_room.set(false); search(None); } />
                    {move || t().everywhere}
                </label>
                <label>
                    <input type="radio" name="search-scope" prop:checked=move || this_room.get()
                        on:change=move |_| { this_room.set(true); search(None); } />
                    {move || t().this_room}
                </label>
            </fieldset>
            <p class="search-status" class:error=failed role="status" aria-live="polite">{status_text}</p>
            <ul class="search-results" aria-label=move || t().results>
                <For each=move || hits.get() key=|hit| hit.message.id.clone() let:hit>
                    <li>{result(hit, query.get_untracked(), i18n.locale.get_untracked().tag(), open_hit.clone())}</li>
                </For>
            </ul>
            <button type="button" class="search-more" hidden=move || more.with(Option::is_none)
                on:click=move |_| search(more.get_untracked())>
                {move || t().more}
            </button>
        </section>
    }
}

/// One result: its room, sender and time, and the text around the match.
fn result(hit: Hit, query: String, locale: &str, open: impl Fn(Hit) + Clone + 'static) -> impl IntoView {
    let pieces = snippet(&hit.message.text, &query);
    let when = full_label(hit.message.created_at, locale);
    // The lobby is named in the reader's language, as in the room list.
    let room_name = if hit.message.room == LOBBY_ROOM_ID { use_i18n().t().lobby_name.to_owned() } else { hit.room_name.clone() };
    let sender = hit.message.sender.name.clone();
    view! {
        <button type="button" class="search-hit" on:click=move |_| open(hit.clone())>
            <span class="search-hit-meta">
                <span class="search-hit-room">{room_name}</span>
                <span class="search-hit-sender">{sender}</span>
                <time class="search-hit-time">{when}</time>
            </span>
            <span class="search-hit-text">
                {pieces.into_iter().map(|(piece, found)| if found {
                    view! { <mark>{piece}</mark> }.into_any()
                } else {
                    piece.into_any()
                }).collect_view()}
            </span>
        </button>
    }
}
