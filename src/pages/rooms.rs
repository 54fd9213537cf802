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
                {Suspend::new(room_list(true))}
            </section>
            <div class="chat-placeholder" aria-hidden="true">
                <p class="muted">{tr(|t| t.chat_pick_room)}</p>
            </div>
        </div>
    }
}

split_view! {
    /// The room list is a chunk of its own: beside a room it is not needed
    /// before the messages show, and may appear a moment after them. Its
    /// rooms are fetched by the chat client meanwhile.
    pub(super) fn room_list(primary: bool) -> AnyView {
        view! { <RoomList primary /> }.into_any()
    }
}
