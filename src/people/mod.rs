//! Rooms people can find (issue 17): a room's members (online first),
//! inviting someone into it and leaving it, from a panel the room header
//! opens (`panel`); and the public rooms one has not joined, to browse and
//! join from the room list (`browse`). All of it is in the `room_tools`
//! chunk, fetched after a room's first screen, like search.

mod browse;
mod panel;
pub mod texts;

pub use browse::BrowseRooms;

use leptos::prelude::*;

use crate::i18n::use_i18n;
use texts::people_texts;

split_view! { room_tools:
    /// The header's members button, and the panel it opens.
    pub fn control(room: String) -> AnyView {
        let i18n = use_i18n();
        let open = RwSignal::new(false);
        let button = NodeRef::<leptos::html::Button>::new();
        let close = Callback::new(move |_| {
            open.set(false);
            if let Some(button) = button.get_untracked() {
                let _ = button.focus();
            }
        });
        let label = move || people_texts(i18n.locale.get()).open;
        view! {
            <button
                type="button"
                class="people-open"
                node_ref=button
                aria-label=label
                title=label
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|open| *open = !*open)
            >
                <svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
                    <circle cx="7" cy="7" r="3" fill="none" stroke="currentColor" stroke-width="2" />
                    <circle cx="14" cy="8" r="2.5" fill="none" stroke="currentColor" stroke-width="2" />
                    <path d="M1.5 17c0-3 2.5-5 5.5-5s5.5 2 5.5 5M12 12.5c3 0 6.5 1.5 6.5 4.5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                </svg>
            </button>
            {move || open.get().then(|| view! { <panel::MembersPanel room=room.clone() on_close=close /> })}
        }
        .into_any()
    }
}
