//! `/rooms`: the room list. On a wide screen the list is a sidebar beside a
//! hint to pick a room; on a phone it is the whole page.

use leptos::prelude::*;

use crate::chat::room_list::RoomList;
use crate::i18n::tr;

#[component]
pub fn Rooms() -> impl IntoView {
    view! {
        <div class="chat-layout">
            <section class="page page-rooms chat-sidebar">
                <RoomList primary=true />
            </section>
            <div class="chat-placeholder" aria-hidden="true">
                <p class="muted">{tr(|t| t.chat_pick_room)}</p>
            </div>
        </div>
    }
}
