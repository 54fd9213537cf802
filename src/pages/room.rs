//! `/rooms/:room`: one room. On a wide screen the room list stays beside it;
//! on a phone the room is the whole page, with a way back to the list.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::chat::room_view::RoomView;
use crate::i18n::tr;
use crate::split::after_first_screen;

#[component]
pub fn Room() -> impl IntoView {
    let params = use_params_map();
    let room = Memo::new(move |_| params.read().get("room").unwrap_or_default());
    view! {
        <div class="chat-layout has-room">
            <aside class="chat-sidebar" aria-label=tr(|t| t.rooms_title)>
                {after_first_screen(|| super::rooms::room_list(false))}
            </aside>
            // Keyed by the room id, so another room is a new view (its own
            // timeline, composer, draft and scroll position), never the old
            // one patched in place: re-rendered, the old view kept its room's
            // text in the composer's textarea and its rows in the list, and
            // the mood preview stopped (issue 14). (Flipping the side of an
            // `Either` per room change is 3.7 KB smaller but leaves the mood
            // preview dead after a switch: crates/e2e/tests/room_state.rs.)
            <section class="page page-room">
                <For each=move || std::iter::once(room.get()) key=String::clone children=|room| view! { <RoomView room /> } />
            </section>
        </div>
    }
}
