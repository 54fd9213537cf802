//! Images in the chat, in a real browser: the size a row reserves for an
//! image, when a pending image's local copy is kept or let go
//! (`local_images::fate`), a pending row showing the local copy and the
//! confirmed row taking the server's in the same space, and the full-size
//! viewer (a modal dialog that gives the focus back to its opener).
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use moodchat_protocol::{Image, Message, UserRef};
use moodchat_web::chat::local_images::{self, fate, Fate, LocalImage};
use moodchat_web::chat::message_list::MessageList;
use moodchat_web::chat::message_row::shown_size;
use moodchat_web::chat::store::{Pending, SendState, Timeline};
use moodchat_web::i18n::provide_i18n;
use support::{fresh_container, query, wait_for};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn me() -> UserRef {
    UserRef { sub: "me".into(), name: "Me".into() }
}

fn pending(client_id: &str, image_key: Option<&str>) -> Pending {
    Pending {
        client_id: client_id.into(),
        room: "lobby".into(),
        sender: me(),
        text: String::new(),
        image_key: image_key.map(str::to_owned),
        reply_to: None,
        created_at: 1_763_900_000_000,
        state: SendState::Sending,
    }
}

/// Our message `client_id` as confirmed: by its ack (no image yet) or by
/// its echo (the server's image).
fn confirmed(client_id: &str, image: Option<Image>) -> Message {
    Message {
        id: "01J00000000000000000000001".into(),
        room: "lobby".into(),
        sender: me(),
        text: String::new(),
        image,
        sentiment: None,
        author_mood: None,
            edited_at: None,
            deleted_at: None,
            change: 0,
            reactions: Vec::new(),
            reply_to: None,
        created_at: 1_763_900_000_000,
        client_id: client_id.into(),
        seq: 0,
    }
}

fn server_image(key: &str) -> Image {
    Image {
        key: key.into(),
        url: format!("/api/blobs/{key}?exp=1&sig=x"),
        w: Some(640),
        h: Some(480),
        thumb_url: Some(format!("/api/blobs/{key}.thumb?exp=1&sig=x")),
    }
}

fn local(key: &str, client_id: Option<&str>) -> LocalImage {
    LocalImage {
        room: "lobby".into(),
        key: key.into(),
        url: "blob:http://localhost/0000".into(),
        w: Some(640),
        h: Some(480),
        client_id: client_id.map(str::to_owned),
    }
}

#[wasm_bindgen_test]
fn a_row_reserves_the_image_width_capped_and_the_height_in_proportion() {
    assert_eq!(shown_size(Some(640), Some(480)), Some((280, 210)));
    assert_eq!(shown_size(Some(200), Some(100)), Some((200, 100)), "small images keep their size");
    assert_eq!(shown_size(Some(1), Some(16384)), Some((1, 16384)));
    assert_eq!(shown_size(Some(16384), Some(1)), Some((280, 0)));
    assert_eq!(shown_size(Some(0), Some(10)), None, "a zero width is unknown, not a division by zero");
    assert_eq!(shown_size(None, Some(10)), None);
    assert_eq!(shown_size(Some(10), None), None);
}

#[wasm_bindgen_test]
fn a_local_image_is_kept_until_the_server_copy_arrives() {
    let mut timeline = Timeline::default();
    timeline.add_pending(pending("c-1", Some("rooms/lobby/A.png")));
    assert_eq!(fate(&local("rooms/lobby/A.png", None), &timeline, "me"), Fate::Pending("c-1".into()));

    // The ack confirms the message before the echo brings the image.
    timeline.acknowledge("c-1", "01J00000000000000000000001");
    assert_eq!(fate(&local("rooms/lobby/A.png", Some("c-1")), &timeline, "me"), Fate::AwaitingEcho);
    assert_eq!(
        fate(&local("rooms/lobby/A.png", None), &timeline, "me"),
        Fate::Release,
        "an image never seen pending cannot be matched to the ack"
    );
    assert_eq!(fate(&local("rooms/lobby/A.png", Some("c-1")), &timeline, "someone else"), Fate::Release);

    // The echo: the server's copy is in the timeline.
    timeline.insert(confirmed("c-1", Some(server_image("rooms/lobby/A.png"))));
    assert_eq!(fate(&local("rooms/lobby/A.png", Some("c-1")), &timeline, "me"), Fate::Release);
}

#[wasm_bindgen_test]
fn a_local_image_whose_send_is_gone_is_let_go() {
    let mut timeline = Timeline::default();
    timeline.add_pending(pending("c-2", Some("rooms/lobby/B.png")));
    assert_eq!(fate(&local("rooms/lobby/OTHER.png", None), &timeline, "me"), Fate::Release);
    let failed = {
        timeline.set_send_state("c-2", SendState::Failed);
        fate(&local("rooms/lobby/B.png", None), &timeline, "me")
    };
    assert_eq!(failed, Fate::Pending("c-2".into()), "a failed send keeps its image for the retry");
    timeline.pending.clear();
    assert_eq!(fate(&local("rooms/lobby/B.png", Some("c-2")), &timeline, "me"), Fate::Release);
}

fn mount_list(timeline: RwSignal<Timeline>) -> web_sys::HtmlElement {
    let container = fresh_container();
    container.set_class_name("room-body");
    container.set_attribute("style", "height: 600px; width: 480px").unwrap();
    let handle = leptos::mount::mount_to(container.clone(), move || {
        provide_i18n();
        view! { <MessageList timeline me="me" on_near_top=|_| {} on_read=|_| {} on_retry=|_| {} /> }
    });
    handle.forget();
    container
}

/// The width and height attributes of the list's image.
fn image_box(container: &web_sys::Element) -> Option<(String, String, String)> {
    let image = query(container, "img.message-image")?;
    Some((image.get_attribute("src")?, image.get_attribute("width")?, image.get_attribute("height")?))
}

#[wasm_bindgen_test]
async fn a_pending_image_shows_the_local_copy_then_the_server_copy_in_the_same_space() {
    // A real object URL, so that revoking it can be observed.
    let blob = web_sys::Blob::new_with_str_sequence(&js_sys::Array::of1(&"png".into())).unwrap();
    let url = web_sys::Url::create_object_url_with_blob(&blob).unwrap();
    local_images::keep(LocalImage { url: url.clone(), client_id: None, ..local("rooms/lobby/C.png", None) });

    let timeline = RwSignal::new(Timeline::default());
    timeline.update(|t| t.loaded = true);
    let container = mount_list(timeline);
    timeline.update(|t| t.add_pending(pending("c-3", Some("rooms/lobby/C.png"))));
    let (src, width, height) = wait_for("the pending image", || image_box(&container)).await;
    assert_eq!((src.as_str(), width.as_str(), height.as_str()), (url.as_str(), "280", "210"));
    assert!(query(&container, ".message.pending").is_some());

    // Acked before the echo: still the local copy, now in a confirmed row.
    timeline.update(|t| t.acknowledge("c-3", "01J00000000000000000000001"));
    wait_for("the confirmed row", || query(&container, ".message[data-key='01J00000000000000000000001']")).await;
    assert_eq!(image_box(&container).map(|(src, ..)| src), Some(url.clone()));

    // The echo: the server's thumbnail, same reserved size, one row.
    timeline.update(|t| {
        t.insert(confirmed("c-3", Some(server_image("rooms/lobby/C.png"))));
    });
    let (src, width, height) =
        wait_for("the server's image", || image_box(&container).filter(|(src, ..)| !src.starts_with("blob:"))).await;
    assert_eq!(src, "/api/blobs/rooms/lobby/C.png.thumb?exp=1&sig=x");
    assert_eq!((width.as_str(), height.as_str()), ("280", "210"), "no jump: the same space");
    assert_eq!(container.query_selector_all(".message").unwrap().length(), 1);
    assert_eq!(local_images::for_pending(&pending("c-3", Some("rooms/lobby/C.png"))), None, "the local copy is let go");
}

#[wasm_bindgen_test]
async fn the_viewer_opens_on_the_full_image_and_gives_the_focus_back() {
    let timeline = RwSignal::new(Timeline::default());
    timeline.update(|t| {
        t.loaded = true;
        t.insert(confirmed("c-4", Some(server_image("rooms/lobby/D.png"))));
    });
    let container = mount_list(timeline);
    let opener: web_sys::HtmlElement =
        wait_for("the image button", || query(&container, "button.message-image-button")).await.unchecked_into();
    assert_eq!(opener.get_attribute("aria-label").as_deref(), Some("Open the full-size image"));
    opener.focus().unwrap();
    opener.click();

    // The viewer is a lazily loaded part (an async call without the splitter).
    let document = support::document();
    let dialog = wait_for("the viewer", || document.get_element_by_id("image-viewer").filter(|d| d.has_attribute("open"))).await;
    assert!(dialog.matches(":modal").unwrap(), "opened with showModal");
    let image = query(&dialog, "img").unwrap();
    assert_eq!(image.get_attribute("src").as_deref(), Some("/api/blobs/rooms/lobby/D.png?exp=1&sig=x"));
    assert_eq!(image.get_attribute("alt").as_deref(), Some("Shared image"));
    // Set through the CSSOM: the app's CSP blocks `style` attributes.
    let style = image.unchecked_ref::<web_sys::HtmlElement>().style();
    let natural = ["--w", "--h"].map(|name| style.get_property_value(name).unwrap_or_default());
    assert_eq!(natural, ["640".to_owned(), "480".to_owned()], "the natural size shapes the box");
    let close: web_sys::HtmlElement = query(&dialog, ".image-viewer-close").unwrap().unchecked_into();
    assert_eq!(close.get_attribute("aria-label").as_deref(), Some("Close the image"));
    assert_eq!(document.active_element().map(|e| e.class_name()).as_deref(), Some("image-viewer-close"));

    close.click();
    assert!(!dialog.has_attribute("open"));
    wait_for("the focus back on the image", || {
        (document.active_element().and_then(|e| e.get_attribute("id")) == opener.get_attribute("id")).then_some(())
    })
    .await;

    // Opened again, the backdrop (the dialog itself) closes it too, and a
    // click on the image does not.
    opener.click();
    wait_for("the viewer open again", || dialog.has_attribute("open").then_some(())).await;
    image_click(&dialog);
    assert!(dialog.has_attribute("open"), "a click on the image keeps it open");
    dialog.unchecked_ref::<web_sys::HtmlElement>().click();
    assert!(!dialog.has_attribute("open"));
}

fn image_click(dialog: &web_sys::Element) {
    query(dialog, "img").unwrap().unchecked_into::<web_sys::HtmlElement>().click();
}
