use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::i18n::{tr, use_i18n};

#[component]
pub fn Room() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let room = move || params.read().get("room").unwrap_or_default();
    let title = move || {
        let room = room();
        if room == "lobby" { i18n.t().lobby_name.to_owned() } else { room }
    };
    view! {
        <section class="page page-room">
            <header class="room-header">
                <a href="/rooms" class="back-link">
                    <span aria-hidden="true">"← "</span>
                    {tr(|t| t.back_to_rooms)}
                </a>
                <h1>{title}</h1>
            </header>
            <div class="message-list" aria-live="polite">
                <p class="muted empty">{tr(|t| t.room_empty)}</p>
            </div>
        </section>
    }
}
