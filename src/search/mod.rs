//! Search (issue 17): a control in the room header, when the home offers
//! search (`/config.json`'s `search`), opening a panel to find messages of
//! one's rooms by words and jump to them. All of it is in the `room_tools`
//! chunk, fetched after the room's first screen (src/split.rs says why not
//! in a chunk of its own).

mod jump;
mod panel;
pub mod results;
pub mod texts;

use leptos::prelude::*;

use crate::chat::Chat;
use crate::i18n::use_i18n;

split_view! { room_tools:
    /// The header's search button, and the panel it opens.
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
        let label = move || texts::search_texts(i18n.locale.get()).open;
        view! {
            <button
                type="button"
                class="search-open"
                node_ref=button
                aria-label=label
                title=label
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|open| *open = !*open)
            >
                <svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
                    <circle cx="8.5" cy="8.5" r="5.5" fill="none" stroke="currentColor" stroke-width="2" />
                    <path d="M13 13l5 5" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                </svg>
            </button>
            {move || open.get().then(|| Suspend::new(panel(room.clone(), close)))}
        }
        .into_any()
    }
}

split_view! { room_tools:
    /// The panel, built when it is first opened.
    fn panel(room: String, on_close: Callback<()>) -> AnyView {
        view! { <panel::SearchPanel room on_close /> }.into_any()
    }
}

/// The list reached its bottom: after a jump far back, the next page of
/// the messages between that window and the newest (through a chunk).
pub fn fill_gap(chat: Chat, room: &str) {
    if chat.timeline(room).with_untracked(|timeline| timeline.gap.is_some()) {
        leptos::task::spawn_local(load_gap(chat, room.to_owned()));
    }
}

split_fn! { room_tools:
    async fn load_gap(chat: Chat, room: String) {
        jump::fill_gap(chat, room).await
    }
}

split_fn! { room_tools:
    /// A reply's quote was pressed: the list shows its original, marked
    /// and focused, as it does a search result. When the original cannot
    /// be loaded, the quote says so.
    pub async fn show_original(chat: Chat, quote: web_sys::Element, locale: crate::i18n::Locale) {
        let (Some(room), Some(id)) = (quote.get_attribute("data-room"), quote.get_attribute("data-message-id")) else { return };
        if !jump::show(chat, room, id).await {
            let problem = quote.owner_document().and_then(|document| document.create_element("span").ok());
            if let Some(problem) = problem {
                let _ = problem.set_attribute("class", "mood-problem");
                let _ = problem.set_attribute("role", "alert");
                problem.set_text_content(Some(locale.texts().chat_quote_missing));
                let _ = quote.after_with_node_1(&problem);
            }
        }
    }
}
