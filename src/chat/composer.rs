//! Writing a message. Enter sends and Shift+Enter starts a new line, but an
//! Enter that commits an IME composition (Korean, Japanese, Chinese) never
//! sends: browsers report it with `isComposing` or key code 229, and the
//! composition events are tracked as well for browsers that report neither.
//! The text is read from the textarea itself when sending, never from a
//! value that may lag the composition, so the last syllable is not lost or
//! doubled. The draft is kept per room (crate::drafts).

use leptos::html::Textarea;
use leptos::prelude::*;
use moodchat_protocol::limits::MAX_TEXT_CHARS;

use super::mood::{MoodModel, MoodPreview};
use super::mood_worker;
use crate::drafts;
use crate::i18n::tr;

/// Whether a keydown sends the message.
pub fn should_send(key: &str, shift: bool, is_composing: bool, key_code: u32) -> bool {
    key == "Enter" && !shift && !is_composing && key_code != 229
}

#[component]
pub fn Composer(
    /// The room the draft belongs to.
    #[prop(into)]
    room: String,
    /// Called with the trimmed text when the user sends.
    #[prop(into)]
    on_send: Callback<String>,
    /// Called as the user types (for the typing indicator).
    #[prop(into)]
    on_typing: Callback<()>,
) -> impl IntoView {
    let draft = drafts::load(&room);
    let text = RwSignal::new(draft.clone());
    // Set between compositionstart and compositionend.
    let composing = StoredValue::new(false);
    let textarea = NodeRef::<Textarea>::new();
    let room = StoredValue::new(room);
    // The live mood preview rates the text with the on-device model, in a
    // worker loaded once there is text (unless a parent supplies a model).
    if use_context::<MoodModel>().is_none() {
        provide_context(mood_worker::model());
    }

    let send = move || {
        let Some(textarea) = textarea.get_untracked() else { return };
        let value = textarea.value();
        let trimmed = value.trim();
        if trimmed.is_empty() || trimmed.chars().count() > MAX_TEXT_CHARS {
            return;
        }
        on_send.run(trimmed.to_owned());
        // Cleared directly, not through a reactive value: writing the value
        // while an IME is active can cancel or repeat its composition.
        textarea.set_value("");
        text.set(String::new());
        room.with_value(|room| drafts::save(room, ""));
        let _ = textarea.focus();
    };
    let on_keydown = move |event: web_sys::KeyboardEvent| {
        let composing_now = event.is_composing() || composing.get_value();
        if should_send(&event.key(), event.shift_key(), composing_now, event.key_code()) {
            event.prevent_default();
            send();
        }
    };
    let on_input = move |event: web_sys::Event| {
        let value = event_target_value(&event);
        room.with_value(|room| drafts::save(room, &value));
        if !value.trim().is_empty() {
            on_typing.run(());
        }
        text.set(value);
    };
    let too_long = move || text.with(|text| text.chars().count() > MAX_TEXT_CHARS);
    let (hint, too_long_hint) = (tr(|t| t.chat_composer_hint), tr(|t| t.chat_too_long));

    view! {
        <form class="composer" on:submit=move |event| {
            event.prevent_default();
            send();
        }>
            <label for="composer-text" class="visually-hidden">{tr(|t| t.chat_composer_label)}</label>
            <textarea
                id="composer-text"
                class="composer-text"
                node_ref=textarea
                rows="1"
                enterkeyhint="send"
                placeholder=tr(|t| t.chat_composer_label)
                aria-describedby="composer-hint"
                aria-invalid=move || too_long().then_some("true")
                on:keydown=on_keydown
                on:input=on_input
                on:compositionstart=move |_| composing.set_value(true)
                on:compositionend=move |_| composing.set_value(false)
            >
                {draft}
            </textarea>
            <MoodPreview text />
            <button type="submit" class="button send" disabled=too_long>{tr(|t| t.chat_send)}</button>
            <p id="composer-hint" class="composer-hint">
                {move || if too_long() { too_long_hint() } else { hint() }}
            </p>
        </form>
    }
}
