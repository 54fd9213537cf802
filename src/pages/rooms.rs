use leptos::prelude::*;

use crate::i18n::tr;

#[component]
pub fn Rooms() -> impl IntoView {
    view! {
        <section class="page page-rooms">
            <h1>{tr(|t| t.rooms_title)}</h1>
            <p class="muted">{tr(|t| t.rooms_intro)}</p>
            <ul class="room-list">
                <li>
                    <a href="/rooms/lobby" class="room-link">
                        <span class="room-avatar" aria-hidden="true">"#"</span>
                        <span class="room-name">{tr(|t| t.lobby_name)}</span>
                    </a>
                </li>
            </ul>
        </section>
    }
}
