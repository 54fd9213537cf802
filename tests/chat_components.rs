//! The chat components in a real browser: the composer's Enter handling with
//! an IME (dispatched keyboard and composition events), and the message list:
//! grouping, de-duplication, pending sends confirmed by their ack, mood
//! emoji, safe rendering of text and links.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use moodchat_protocol::{Message, Sentiment, UserRef};
use moodchat_web::chat::composer::Composer;
use moodchat_web::chat::message_list::MessageList;
use moodchat_web::chat::store::{Pending, SendState, Timeline};
use moodchat_web::i18n::provide_i18n;
use support::{fresh_container, query, wait_for};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{CompositionEvent, CompositionEventInit, HtmlTextAreaElement, KeyboardEvent, KeyboardEventInit};

wasm_bindgen_test_configure!(run_in_browser);

/// The app's stylesheets, so the list has the same geometry as in the app.
pub fn load_styles() {
    let document = support::document();
    if document.get_element_by_id("chat-test-styles").is_some() {
        return;
    }
    let style = document.create_element("style").unwrap();
    style.set_id("chat-test-styles");
    style.set_text_content(Some(concat!(include_str!("../style/main.css"), include_str!("../style/chat.css"))));
    document.head().unwrap().append_child(&style).unwrap();
}

fn key(key: &str, key_code: u32, shift: bool, composing: bool) -> KeyboardEvent {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_key_code(key_code);
    init.set_shift_key(shift);
    init.set_is_composing(composing);
    init.set_bubbles(true);
    init.set_cancelable(true);
    KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap()
}

fn composition(kind: &str, data: &str) -> CompositionEvent {
    let init = CompositionEventInit::new();
    init.set_data(data);
    init.set_bubbles(true);
    CompositionEvent::new_with_event_init_dict(kind, &init).unwrap()
}

fn type_text(textarea: &HtmlTextAreaElement, text: &str) {
    textarea.set_value(text);
    textarea.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn enter_during_ime_composition_never_sends_or_duplicates() {
    moodchat_web::drafts::save("ime-room", "");
    let sent = RwSignal::new(Vec::<String>::new());
    let container = fresh_container();
    let _handle = leptos::mount::mount_to(container.clone(), move || {
        provide_i18n();
        view! { <Composer room="ime-room" on_send=move |(text, _image): (String, Option<String>)| sent.update(|s| s.push(text)) on_typing=|_| {} /> }
    });
    let textarea: HtmlTextAreaElement = wait_for("the composer", || query(&container, "textarea")).await.unchecked_into();

    // Korean: typing 안녕 and pressing Enter to commit the last syllable.
    textarea.dispatch_event(&composition("compositionstart", "")).unwrap();
    type_text(&textarea, "안녕");
    textarea.dispatch_event(&key("Enter", 229, false, true)).unwrap();
    assert!(sent.get_untracked().is_empty(), "Enter that commits a composition must not send");
    // Some browsers report neither isComposing nor 229: the composition events still hold it back.
    textarea.dispatch_event(&key("Enter", 13, false, false)).unwrap();
    assert!(sent.get_untracked().is_empty(), "Enter between compositionstart and compositionend must not send");
    textarea.dispatch_event(&composition("compositionend", "녕")).unwrap();
    assert_eq!(textarea.value(), "안녕", "the committed syllable stays, once");

    // Shift+Enter is a new line, not a send.
    let shift_enter = key("Enter", 13, true, false);
    textarea.dispatch_event(&shift_enter).unwrap();
    assert!(!shift_enter.default_prevented());
    assert!(sent.get_untracked().is_empty());

    // Now Enter sends exactly the text, once, and clears the composer.
    let enter = key("Enter", 13, false, false);
    textarea.dispatch_event(&enter).unwrap();
    assert!(enter.default_prevented(), "no newline is inserted");
    assert_eq!(sent.get_untracked(), ["안녕"]);
    assert_eq!(textarea.value(), "");
    // A second Enter on the empty composer sends nothing.
    textarea.dispatch_event(&key("Enter", 13, false, false)).unwrap();
    assert_eq!(sent.get_untracked().len(), 1);
    assert_eq!(moodchat_web::drafts::load("ime-room"), "", "the sent text is no longer a draft");
}

#[wasm_bindgen_test]
async fn the_draft_is_restored_and_kept_while_typing() {
    moodchat_web::drafts::save("draft-room", "half a thought");
    let container = fresh_container();
    let _handle = leptos::mount::mount_to(container.clone(), move || {
        provide_i18n();
        view! { <Composer room="draft-room" on_send=|_| {} on_typing=|_| {} /> }
    });
    let textarea: HtmlTextAreaElement = wait_for("the composer", || query(&container, "textarea")).await.unchecked_into();
    assert_eq!(textarea.value(), "half a thought");
    type_text(&textarea, "half a thought, finished");
    assert_eq!(moodchat_web::drafts::load("draft-room"), "half a thought, finished");
    moodchat_web::drafts::save("draft-room", "");
}

fn user(sub: &str) -> UserRef {
    UserRef { sub: sub.into(), name: sub.to_uppercase() }
}

/// A message `n` minutes into a day, from `sub`.
pub fn message(n: usize, sub: &str, text: &str) -> Message {
    Message {
        id: format!("01J{n:023}"),
        room: "lobby".into(),
        sender: user(sub),
        text: text.into(),
        image: None,
        sentiment: Some(Sentiment { label: "positive".into(), score: 0.93, source: "server".into() }),
        author_mood: None,
            edited_at: None,
            deleted_at: None,
            change: 0,
            reactions: Vec::new(),
            reply_to: None,
        created_at: 1_763_900_000_000 + n as i64 * 60_000,
        client_id: format!("c{n}"),
        seq: n as u64,
    }
}

/// Mounts a message list of `timeline` in a 600 px tall room body.
pub fn mount_list(timeline: RwSignal<Timeline>, me: &str) -> web_sys::HtmlElement {
    mount_list_with_retry(timeline, me, RwSignal::new(Vec::new()))
}

/// The same, recording the client ids the list asks to send again.
pub fn mount_list_with_retry(timeline: RwSignal<Timeline>, me: &str, retried: RwSignal<Vec<String>>) -> web_sys::HtmlElement {
    load_styles();
    let container = fresh_container();
    container.set_class_name("room-body");
    container.set_attribute("style", "height: 600px; width: 480px").unwrap();
    let me = me.to_owned();
    let handle = leptos::mount::mount_to(container.clone(), move || {
        provide_i18n();
        view! {
            <MessageList timeline me on_near_top=|_| {} on_read=|_| {} on_retry=move |id| retried.update(|r| r.push(id)) />
        }
    });
    handle.forget();
    container
}

fn rows(container: &web_sys::Element) -> Vec<web_sys::Element> {
    let list = container.query_selector_all(".message").unwrap();
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect()
}

#[wasm_bindgen_test]
async fn messages_group_by_sender_and_duplicates_never_show() {
    let timeline = RwSignal::new(Timeline::default());
    timeline.update(|t| {
        t.loaded = true;
        t.insert_all([message(1, "ann", "hi"), message(2, "ann", "how are you?"), message(3, "bob", "good!")]);
    });
    let container = mount_list(timeline, "bob");
    wait_for("three rows", || (rows(&container).len() == 3).then_some(())).await;
    let groups = container.query_selector_all(".message.group-start").unwrap().length();
    assert_eq!(groups, 2, "ann's two messages form one group, bob's another");
    assert_eq!(container.query_selector_all(".sender").unwrap().length(), 2);
    assert_eq!(container.query_selector_all(".day-separator").unwrap().length(), 1);
    assert_eq!(query(&container, ".message.mine .message-text").unwrap().text_content().unwrap(), "good!");

    // A replay after a reconnect and an overlapping history page: still three.
    timeline.update(|t| {
        t.insert_all([message(2, "ann", "how are you?"), message(3, "bob", "good!"), message(1, "ann", "hi")]);
    });
    support::tick(std::time::Duration::from_millis(50)).await;
    assert_eq!(rows(&container).len(), 3);

    // The mood emoji with its score in the tooltip.
    let mood = query(&container, ".mood").unwrap();
    assert_eq!(mood.text_content().unwrap(), "😊");
    let title = mood.get_attribute("title").unwrap();
    assert!(title.contains("positive") && title.contains("93%"), "{title}");
}

#[wasm_bindgen_test]
async fn a_pending_send_is_confirmed_by_its_ack_without_a_duplicate() {
    let timeline = RwSignal::new(Timeline::default());
    timeline.update(|t| t.loaded = true);
    let retried = RwSignal::new(Vec::new());
    let container = mount_list_with_retry(timeline, "me", retried);
    timeline.update(|t| {
        t.add_pending(Pending {
            client_id: "c-77".into(),
            room: "lobby".into(),
            sender: user("me"),
            text: "on its way".into(),
            image_key: None,
            reply_to: None,
            created_at: 1_763_900_000_000,
            state: SendState::Sending,
        })
    });
    wait_for("the pending row", || query(&container, ".message.pending")).await;
    timeline.update(|t| {
        t.set_send_state("c-77", SendState::Failed);
    });
    let retry = wait_for("a retry button", || query(&container, ".message.failed button.retry")).await;
    assert!(retry.text_content().unwrap().contains("Retry"));
    retry.unchecked_ref::<web_sys::HtmlElement>().click();
    assert_eq!(retried.get_untracked(), ["c-77"], "the retry button asks to send that message again");
    timeline.update(|t| {
        t.set_send_state("c-77", SendState::Sending);
        t.acknowledge("c-77", "01J00000000000000000000077");
    });
    wait_for("the confirmed row", || query(&container, ".message[data-key='01J00000000000000000000077']")).await;
    let mut echo = message(77, "me", "on its way");
    echo.id = "01J00000000000000000000077".into();
    echo.client_id = "c-77".into();
    timeline.update(|t| {
        t.insert(echo);
    });
    support::tick(std::time::Duration::from_millis(50)).await;
    assert_eq!(rows(&container).len(), 1, "the echo does not double the message");
    assert!(query(&container, ".message.pending").is_none());
    wait_for("the mood of the echo", || query(&container, ".mood")).await;
}

#[wasm_bindgen_test]
async fn markup_is_text_and_only_http_links_are_clickable() {
    let timeline = RwSignal::new(Timeline::default());
    timeline.update(|t| {
        t.loaded = true;
        // The long word first: the list opens at the newest messages, and
        // a row much taller than the list would push the others out of
        // the rows it draws.
        t.insert_all([
            message(1, "eve", &"아주긴단어".repeat(200)),
            message(2, "eve", "<script>window.pwned = true</script><img src=x onerror=alert(1)>"),
            message(3, "eve", "see https://example.com/a?b=1 or javascript:alert(1)"),
        ]);
    });
    let container = mount_list(timeline, "me");
    let first = wait_for("the script row", || query(&container, ".message[data-key='01J00000000000000000000002'] .message-text")).await;
    assert_eq!(first.text_content().unwrap(), "<script>window.pwned = true</script><img src=x onerror=alert(1)>");
    assert!(query(&container, ".message-text script, .message-text img").is_none(), "no element from the text");
    let links = container.query_selector_all(".message-text a").unwrap();
    assert_eq!(links.length(), 1);
    let link: web_sys::Element = links.item(0).unwrap().dyn_into().unwrap();
    assert_eq!(link.get_attribute("href").as_deref(), Some("https://example.com/a?b=1"));
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(link.get_attribute("rel").as_deref(), Some("noopener noreferrer"));
    // A very long word wraps inside the list instead of widening it.
    let scroller = query(&container, ".message-scroller").unwrap();
    scroller.set_scroll_top(0);
    wait_for("the long word's row", || query(&container, ".message[data-key='01J00000000000000000000001'] .message-text")).await;
    assert!(scroller.scroll_width() <= scroller.client_width() + 1, "{} > {}", scroller.scroll_width(), scroller.client_width());
}

/// The element that has the keyboard focus.
fn focused() -> Option<web_sys::Element> {
    support::document().active_element()
}

#[wasm_bindgen_test]
async fn the_authors_mood_shows_marked_and_ones_own_mood_opens_a_keyboard_menu() {
    use moodchat_protocol::{AuthorMood, Mood};
    let timeline = RwSignal::new(Timeline::default());
    timeline.update(|t| {
        t.loaded = true;
        let mut corrected = message(1, "ann", "내일 면접이라 너무 떨려");
        corrected.author_mood = Some(AuthorMood { label: Mood::Negative, set_at: 1 });
        t.insert_all([corrected, message(2, "bob", "good!")]);
    });
    let container = mount_list(timeline, "bob");
    wait_for("two rows", || (rows(&container).len() == 2).then_some(())).await;

    // Someone else's corrected message: the author's mood, marked as theirs,
    // with what the model said; not a button.
    let theirs = query(&container, ".message:not(.mine) .mood").unwrap();
    assert_eq!(theirs.text_content().unwrap(), "😞");
    assert!(theirs.class_list().contains("by-author") && theirs.tag_name() == "SPAN");
    let label = theirs.get_attribute("aria-label").unwrap();
    assert!(label.contains("negative") && label.contains("chosen by the author") && label.contains("the model said: positive"), "{label}");

    // One's own: a button that opens a menu of the three moods, focus on
    // the first; Escape closes it and gives focus back.
    let button: web_sys::HtmlElement = query(&container, ".message.mine button.mood-button").unwrap().dyn_into().unwrap();
    assert!(button.get_attribute("aria-label").unwrap().contains("Change the mood of your message"));
    button.click();
    let picker = wait_for("the mood menu", || query(&container, ".mood-picker[role=menu]")).await;
    let options = picker.query_selector_all("[role=menuitemradio]").unwrap();
    assert_eq!(options.length(), 3);
    assert_eq!(button.get_attribute("aria-expanded").as_deref(), Some("true"));
    let first = focused().unwrap();
    assert_eq!(first.get_attribute("data-mood").as_deref(), Some("positive"), "focus moves into the menu");
    assert!(picker.query_selector("[data-mood='']").unwrap().is_none(), "no 'use the model's mood' before a choice");
    first.dispatch_event(&key("Escape", 27, false, false)).unwrap();
    wait_for("the menu to close", || query(&container, ".mood-picker").is_none().then_some(())).await;
    assert_eq!(focused().and_then(|f| f.get_attribute("data-message-id")), button.get_attribute("data-message-id"));

    // The author's event arrives: the row shows the new mood for everyone.
    timeline.update(|t| {
        t.set_author_mood(&message(2, "bob", "").id, Some(AuthorMood { label: Mood::Neutral, set_at: 2 }), 1);
    });
    wait_for("the corrected mood", || {
        query(&container, ".message.mine .mood.by-author").filter(|m| m.text_content().as_deref() == Some("😐"))
    })
    .await;
}
