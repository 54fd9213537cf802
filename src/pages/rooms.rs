use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::use_i18n;

#[component]
pub fn Rooms() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page page-rooms">
            <h1>{move || i18n.t().rooms_title}</h1>
            <p class="muted">{move || i18n.t().rooms_intro}</p>
            <ul class="room-list">
                <li>
                    <A href="/rooms/lobby" attr:class="room-link">
                        <span class="room-avatar" aria-hidden="true">"#"</span>
                        <span class="room-name">{move || i18n.t().lobby_name}</span>
                    </A>
                </li>
            </ul>
        </section>
    }
}
