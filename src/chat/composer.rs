//! Writing a message. With a keyboard Enter sends and Shift+Enter starts a
//! new line; on a phone (a touch screen, or a narrow one) Enter starts a new
//! line and the send button sends, since soft keyboards have no Shift. An
//! Enter that commits an IME composition (Korean, Japanese, Chinese) never
//! sends: browsers report it with `isComposing` or key code 229, and the
//! composition events are tracked as well for browsers that report neither.
//! The text is read from the textarea itself when sending, never from a
//! value that may lag the composition, so the last syllable is not lost or
//! doubled. The draft is kept per room (crate::drafts).
//!
//! An image can be attached (button, drop anywhere on the page, paste): it
//! is checked and previewed at once, and uploaded when the message is sent
//! (`upload`), with a progress bar and a cancel button. A failed upload keeps
//! the attachment so that sending again retries it. Once uploaded, the
//! preview's object URL goes to `local_images`, so the pending message shows
//! the picture until the server's copy arrives.

use leptos::html::Textarea;
use leptos::prelude::*;
use moodchat_protocol::limits::{IMAGE_CONTENT_TYPES, MAX_TEXT_CHARS};
use web_sys::File;

use super::client::Chat;
use super::local_images::{self, LocalImage};
use super::upload::{self, PutRequest, UploadProblem};

use super::mood::{MoodModel, MoodPreview};
use super::mood_worker;
use crate::drafts;
use crate::i18n::{tr, use_i18n};

/// What Enter does in the composer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnterKey {
    /// Sends (a keyboard: Shift+Enter is the new line).
    Sends,
    /// Starts a new line (a phone: the send button sends).
    NewLine,
}

/// Touch screens, and screens as narrow as a phone (style/main.css), type
/// new lines with Enter; a narrow desktop window with a keyboard still sends.
const PHONE_QUERY: &str = "(pointer: coarse), (max-width: 520px)";

impl EnterKey {
    /// What Enter does on this screen, asked at each key press (a window
    /// can be resized, a tablet can get a keyboard).
    pub fn here() -> EnterKey {
        let phone = web_sys::window()
            .and_then(|window| window.match_media(PHONE_QUERY).ok().flatten())
            .is_some_and(|query| query.matches());
        if phone { EnterKey::NewLine } else { EnterKey::Sends }
    }
}

/// Whether a keydown sends the message.
pub fn should_send(key: &str, shift: bool, is_composing: bool, key_code: u32, enter: EnterKey) -> bool {
    key == "Enter" && enter == EnterKey::Sends && !shift && !is_composing && key_code != 229
}

#[component]
pub fn Composer(
    /// The room the draft belongs to.
    #[prop(into)]
    room: String,
    /// Called with the trimmed text, and the key of the uploaded image if
    /// one was attached, when the user sends.
    #[prop(into)]
    on_send: Callback<(String, Option<String>)>,
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

    let attachment = RwSignal::new_local(None::<Attachment>);
    let problem = RwSignal::new(None::<UploadProblem>);
    // Some(fraction sent) while an upload is in flight.
    let progress = RwSignal::new(None::<f64>);
    let in_flight = StoredValue::new_local(None::<PutRequest>);
    // Set by the cancel button; read once the ticket is there, since a
    // cancel while asking for it has no request to abort yet.
    let cancelled = StoredValue::new(false);

    let attach = move |file: File| {
        match upload::validate(&file.type_(), file.size()) {
            Ok(()) => {
                let preview = web_sys::Url::create_object_url_with_blob(&file).unwrap_or_default();
                if let Some(previous) = attachment.get_untracked() {
                    previous.release();
                }
                attachment.set(Some(Attachment { file, preview }));
                problem.set(None);
            }
            Err(why) => problem.set(Some(why)),
        }
    };
    let remove = move || {
        if let Some(previous) = attachment.get_untracked() {
            previous.release();
        }
        attachment.set(None);
        problem.set(None);
    };

    // Clears what was sent. Cleared directly, not through a reactive value:
    // writing the value while an IME is active can cancel or repeat its
    // composition.
    let sent = move |textarea: &web_sys::HtmlTextAreaElement| {
        textarea.set_value("");
        text.set(String::new());
        room.with_value(|room| drafts::save(room, ""));
        let _ = textarea.focus();
    };
    let send = move || {
        let Some(textarea) = textarea.get_untracked() else { return };
        let value = textarea.value();
        let trimmed = value.trim().to_owned();
        if trimmed.chars().count() > MAX_TEXT_CHARS || progress.get_untracked().is_some() {
            return;
        }
        let Some(file) = attachment.with_untracked(|a| a.as_ref().map(|a| a.file.clone())) else {
            if !trimmed.is_empty() {
                on_send.run((trimmed, None));
                sent(&textarea);
            }
            return;
        };
        let Some(api) = use_context::<Chat>().and_then(|chat| chat.api()) else { return };
        problem.set(None);
        progress.set(Some(0.0));
        cancelled.set_value(false);
        leptos::task::spawn_local(async move {
            let outcome = async {
                let room = room.get_value();
                let ticket = upload::request_ticket(&api, &room, &file.type_(), file.size()).await?;
                if cancelled.get_value() {
                    return Err(UploadProblem::Cancelled);
                }
                let (request, done) = upload::put(&api.base, &ticket, &file, move |sent| progress.set(Some(sent)))?;
                in_flight.set_value(Some(request));
                done.await?;
                Ok::<_, UploadProblem>(ticket.key)
            }
            .await;
            in_flight.set_value(None);
            progress.set(None);
            match outcome {
                Ok(key) => {
                    // The preview's URL now belongs to the pending message.
                    if let Some(attached) = attachment.get_untracked() {
                        let (w, h) = preview_size().unzip();
                        let room = room.get_value();
                        local_images::keep(LocalImage { room, key: key.clone(), url: attached.preview, w, h, client_id: None });
                    }
                    attachment.set(None);
                    on_send.run((textarea.value().trim().to_owned(), Some(key)));
                    sent(&textarea);
                }
                Err(why) => problem.set(Some(why)),
            }
        });
    };
    let cancel = move || {
        cancelled.set_value(true);
        in_flight.with_value(|request| request.as_ref().map(PutRequest::cancel));
    };

    // Drop an image anywhere on the page; the browser would otherwise
    // navigate away to the file.
    let dragover = window_event_listener(leptos::ev::dragover, |event| {
        if event.data_transfer().is_some_and(|data| data.types().includes(&"Files".into(), 0)) {
            event.prevent_default();
        }
    });
    let drop = window_event_listener(leptos::ev::drop, move |event| {
        if let Some(file) = event.data_transfer().and_then(|data| data.files()).and_then(|files| files.get(0)) {
            event.prevent_default();
            attach(file);
        }
    });
    on_cleanup(move || {
        // Leaving the room abandons an upload rather than sending into a
        // composer that is gone.
        cancel();
        dragover.remove();
        drop.remove();
        if let Some(previous) = attachment.get_untracked() {
            previous.release();
        }
    });
    let on_paste = move |event: web_sys::ClipboardEvent| {
        if let Some(file) = event.clipboard_data().and_then(|data| data.files()).and_then(|files| files.get(0)) {
            event.prevent_default();
            attach(file);
        }
    };
    let on_file_chosen = move |event: web_sys::Event| {
        let input: web_sys::HtmlInputElement = event_target(&event);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            attach(file);
        }
        // So that choosing the same file again after removing it works.
        input.set_value("");
    };
    // One fixed block whose parts are shown and hidden: cheaper in the
    // bundle than a view built and dropped as the attachment comes and goes.
    let preview_url = move || attachment.with(|a| a.as_ref().map(|a| a.preview.clone()));
    let uploading = move || progress.get().is_some();
    let preview = view! {
        <div class="composer-attachment" hidden=move || attachment.with(Option::is_none)>
            <img class="attachment-preview" src=preview_url alt=tr(|t| t.image_preview_alt) id=PREVIEW_ID />
            <button type="button" class="link-button" on:click=move |_| remove() disabled=uploading>
                {tr(|t| t.image_remove)}
            </button>
            // A whole percentage: formatting an f64 would add the float
            // printer (about 8 KB) to the bundle.
            <progress
                class="upload-progress"
                max="100"
                value=move || progress.get().map(|sent| (sent * 100.0) as u32)
                aria-label=tr(|t| t.image_uploading)
                hidden=move || !uploading()
            ></progress>
            <button type="button" class="link-button" on:click=move |_| { cancel(); } hidden=move || !uploading()>
                {tr(|t| t.image_cancel)}
            </button>
        </div>
    };
    let i18n = use_i18n();
    let problem_text = move || problem.get().map(|why| why.message(i18n.t()));

    let on_keydown = move |event: web_sys::KeyboardEvent| {
        let composing_now = event.is_composing() || composing.get_value();
        if should_send(&event.key(), event.shift_key(), composing_now, event.key_code(), EnterKey::here()) {
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
    let enter = EnterKey::here();
    // Ready to type on opening a room, with a keyboard; on a phone focusing
    // would pop up the soft keyboard over the messages.
    if enter == EnterKey::Sends {
        Effect::new(move |_| {
            if let Some(textarea) = textarea.get() {
                let _ = textarea.focus();
            }
        });
    }
    let hint = if enter == EnterKey::Sends { tr(|t| t.chat_composer_hint) } else { tr(|t| t.chat_composer_hint_phone) };
    let too_long_hint = tr(|t| t.chat_too_long);

    view! {
        <form class="composer" on:submit=move |event| {
            event.prevent_default();
            send();
        }>
            <input id="composer-image" type="file" class="visually-hidden composer-file" accept=IMAGE_CONTENT_TYPES.join(",") on:change=on_file_chosen />
            <label for="composer-image" class="button attach" title=tr(|t| t.image_attach)>
                <span aria-hidden="true">"📎"</span>
                <span class="visually-hidden">{tr(|t| t.image_attach)}</span>
            </label>
            <label for="composer-text" class="visually-hidden">{tr(|t| t.chat_composer_label)}</label>
            <textarea
                id="composer-text"
                class="composer-text"
                node_ref=textarea
                rows="1"
                enterkeyhint=if enter == EnterKey::Sends { "send" } else { "enter" }
                placeholder=tr(|t| t.chat_composer_label)
                aria-describedby="composer-hint"
                aria-invalid=move || too_long().then_some("true")
                on:keydown=on_keydown
                on:input=on_input
                on:compositionstart=move |_| composing.set_value(true)
                on:compositionend=move |_| composing.set_value(false)
                on:paste=on_paste
            >
                {draft}
            </textarea>
            <MoodPreview text />
            <button type="submit" class="button send" disabled=too_long>{tr(|t| t.chat_send)}</button>
            {preview}
            <p class="composer-error" role="alert">{problem_text}</p>
            <p id="composer-hint" class="composer-hint">
                {move || if too_long() { too_long_hint() } else { hint() }}
            </p>
        </form>
    }
}

const PREVIEW_ID: &str = "composer-preview";

/// The natural size of the attachment's preview, once it has loaded: the
/// pending message reserves that much room for the image. Read with
/// Reflect: the HtmlImageElement binding is a web-sys feature this crate
/// does not otherwise need.
fn preview_size() -> Option<(u32, u32)> {
    let preview = super::dom::document().get_element_by_id(PREVIEW_ID)?;
    let dimension = |name: &str| js_sys::Reflect::get(&preview, &name.into()).ok()?.as_f64().map(|value| value as u32);
    match (dimension("naturalWidth")?, dimension("naturalHeight")?) {
        (0, _) | (_, 0) => None,
        size => Some(size),
    }
}

/// The image chosen to go with the next message, and its preview URL.
#[derive(Clone)]
struct Attachment {
    file: File,
    preview: String,
}

impl Attachment {
    /// Frees the preview's object URL (it holds the file in memory).
    fn release(&self) {
        let _ = web_sys::Url::revoke_object_url(&self.preview);
    }
}
