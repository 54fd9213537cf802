//! Mentioning someone while writing: typing `@` and the start of a name
//! lists the room's members whose name starts so (a listbox above the
//! composer); the arrow keys move, Enter or Tab or a click puts `@Name ` in
//! the text, Escape closes the list. The person mentioned sees the message
//! marked in the room (`message_row`), and a notification when the tab is
//! hidden (`notifications`).
//!
//! It watches the composer from the area around it: the keys it answers are
//! taken in the capture phase, before the composer's own Enter would send.

use leptos::prelude::*;
use moodchat_protocol::{Member, UserRef};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlTextAreaElement, KeyboardEvent};

use super::Chat;

/// At most this many names are suggested.
const SHOWN: usize = 6;

/// The `@` word being typed before the caret: its start (the `@`'s byte
/// index) and the letters after it. `None` unless the `@` starts a word
/// and nothing but name characters follow it up to the caret.
pub fn typed_mention(text: &str, caret: usize) -> Option<(usize, &str)> {
    let before = text.get(..caret)?;
    let at = before.rfind('@')?;
    let query = &before[at + 1..];
    let starts_word = before[..at].chars().next_back().is_none_or(char::is_whitespace);
    (starts_word && !query.chars().any(char::is_whitespace) && query.chars().count() <= 32).then_some((at, query))
}

/// The members whose name starts with `query` (ASCII letters in any case),
/// me left out, at most `SHOWN`.
pub fn suggestions<'a>(members: &'a [Member], query: &str, me: &str) -> Vec<&'a Member> {
    members
        .iter()
        .filter(|member| member.sub != me)
        .filter(|member| member.name.len() >= query.len() && member.name.is_char_boundary(query.len()))
        .filter(|member| member.name[..query.len()].eq_ignore_ascii_case(query))
        .take(SHOWN)
        .collect()
}

/// `text` with the `@` word at `at` (up to `caret`) replaced by `@name `,
/// and where the caret goes after it (a UTF-16 index, as the textarea counts).
pub fn insert_mention(text: &str, at: usize, caret: usize, name: &str) -> (String, u32) {
    let before = [&text[..at], "@", name, " "].concat();
    let caret_after = before.encode_utf16().count() as u32;
    ([before.as_str(), &text[caret..]].concat(), caret_after)
}

fn composer() -> Option<HtmlTextAreaElement> {
    super::dom::document().get_element_by_id("composer-text")?.dyn_into().ok()
}

/// The caret's byte index in the composer's text (the textarea counts
/// UTF-16 units).
fn caret_of(textarea: &HtmlTextAreaElement, text: &str) -> usize {
    let units = textarea.selection_start().ok().flatten().unwrap_or(0) as usize;
    let mut seen = 0;
    for (index, ch) in text.char_indices() {
        if seen >= units {
            return index;
        }
        seen += ch.len_utf16();
    }
    text.len()
}

#[component]
pub fn MentionSuggestions(chat: Chat, room: String, area: NodeRef<leptos::html::Div>) -> impl IntoView {
    let me = StoredValue::new(chat.me().map(|me: UserRef| me.sub).unwrap_or_default());
    let members = StoredValue::new(None::<Vec<Member>>);
    // (where the `@` is, the names suggested), while a list is open.
    let open = RwSignal::new(None::<(usize, Vec<Member>)>);
    let active = RwSignal::new(0usize);
    // Escape closed the list of the `@` at this index: it stays closed
    // until that word is gone.
    let dismissed = StoredValue::new(None::<usize>);
    let room = StoredValue::new(room);

    let refresh = move || {
        let Some(textarea) = composer() else { return };
        let text = textarea.value();
        let Some((at, query)) = typed_mention(&text, caret_of(&textarea, &text)) else {
            dismissed.set_value(None);
            open.set(None);
            return;
        };
        if dismissed.get_value() == Some(at) {
            return;
        }
        let query = query.to_owned();
        let show = move |list: &[Member]| {
            let found: Vec<Member> = me.with_value(|me| suggestions(list, &query, me).into_iter().cloned().collect());
            active.set(0);
            open.set((!found.is_empty()).then_some((at, found)));
        };
        match members.get_value() {
            Some(list) => show(&list),
            // The members are read once per room, when first needed.
            None => {
                let Some(api) = chat.api() else { return };
                leptos::task::spawn_local(async move {
                    if let Ok(list) = api.members(&room.get_value()).await {
                        members.set_value(Some(list.clone()));
                        show(&list);
                    }
                });
            }
        }
    };
    let pick = move |index: usize| {
        let (Some((at, found)), Some(textarea)) = (open.get_untracked(), composer()) else { return };
        let Some(member) = found.get(index) else { return };
        let text = textarea.value();
        let caret = caret_of(&textarea, &text);
        let (text, caret) = insert_mention(&text, at, caret.max(at), &member.name);
        textarea.set_value(&text);
        let _ = textarea.set_selection_range(caret, caret);
        // The composer keeps its draft and its typing notice from `input`.
        if let Ok(input) = web_sys::Event::new("input") {
            let _ = textarea.dispatch_event(&input);
        }
        open.set(None);
        let _ = textarea.focus();
    };

    // Keys, in the capture phase: while the list is open they are its own.
    // Typing, and moving the caret by key or click: what is before the
    // caret decides the list.
    Effect::new(move |_| {
        let Some(area) = area.get() else { return };
        let on_move = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            // The list's own keys were answered on their way down.
            let list_key = event
                .dyn_ref::<KeyboardEvent>()
                .is_some_and(|key| matches!(key.key().as_str(), "ArrowDown" | "ArrowUp" | "Enter" | "Tab" | "Escape"));
            if !list_key {
                refresh();
            }
        });
        for event in ["input", "keyup", "click"] {
            let _ = area.add_event_listener_with_callback(event, on_move.as_ref().unchecked_ref());
        }
        on_move.forget();
        let on_key = Closure::<dyn FnMut(KeyboardEvent)>::new(move |event: KeyboardEvent| {
            let Some((_, found)) = open.get_untracked() else { return };
            if event.is_composing() || event.key_code() == 229 {
                return;
            }
            let count = found.len();
            match event.key().as_str() {
                "ArrowDown" => active.update(|a| *a = (*a + 1) % count),
                "ArrowUp" => active.update(|a| *a = (*a + count - 1) % count),
                "Enter" | "Tab" => pick(active.get_untracked()),
                "Escape" => {
                    dismissed.set_value(open.get_untracked().map(|(at, _)| at));
                    open.set(None);
                }
                _ => return,
            }
            event.prevent_default();
            event.stop_propagation();
        });
        let _ = area.add_event_listener_with_callback_and_bool("keydown", on_key.as_ref().unchecked_ref(), true);
        // Both live as long as the page: two small closures per room opened.
        on_key.forget();
    });

    let option_id = |index: usize| format!("mention-option-{index}");
    let i18n = crate::i18n::use_i18n();
    // In this chunk rather than the main module's `Texts`.
    let list_label = move || match i18n.locale.get() {
        crate::i18n::Locale::En => "People to mention",
        crate::i18n::Locale::Ko => "언급할 사람",
    };
    // While the list is open the textarea names it and its active option,
    // so a screen reader reads the name the arrow keys reach. (Not
    // `aria-expanded`: a textarea is a textbox, which has no such state.)
    Effect::new(move |_| {
        let Some(textarea) = composer() else { return };
        if open.with(Option::is_some) {
            let _ = textarea.set_attribute("aria-controls", "mention-list");
            let _ = textarea.set_attribute("aria-activedescendant", &option_id(active.get()));
        } else {
            let _ = textarea.remove_attribute("aria-controls");
            let _ = textarea.remove_attribute("aria-activedescendant");
        }
    });

    view! {
        <ul id="mention-list" class="mention-list" role="listbox" aria-label=list_label hidden=move || open.with(Option::is_none)
            on:mousedown=|event| event.prevent_default()>
            {move || open.get().map(|(_, found)| found.into_iter().enumerate().map(|(index, member)| view! {
                <li id=option_id(index) role="option" class="mention-option"
                    aria-selected=move || (active.get() == index).to_string()
                    on:click=move |_| pick(index)>
                    <span class="presence-dot" class:offline=!member.online aria-hidden="true"></span>
                    {member.name.clone()}
                </li>
            }).collect_view())}
        </ul>
    }
}
