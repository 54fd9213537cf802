//! `/rooms`: the room list. On a wide screen the list is a sidebar beside a
//! hint to pick a room; on a phone it is the whole page.

use leptos::prelude::*;

use crate::chat::room_list::RoomList;
use crate::i18n::tr;
use crate::split::first_screen;

#[component]
pub fn Rooms() -> impl IntoView {
    // The room list is this page's content: the rest may come with it.
    first_screen().mark_shown();
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

split_view! { room_tools:
    /// The room list (in `room_tools`): beside a room it is not needed
    /// before the messages show, and appears a moment after them.
    pub(super) fn room_list(primary: bool) -> AnyView {
        view! { <RoomList primary /> }.into_any()
    }
}
