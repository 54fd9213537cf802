//! The full-size image, in the page: a native modal `<dialog>`. The browser
//! does the hard parts of a modal: `showModal()` moves focus in and keeps it
//! there, makes the page behind inert, and closes on Escape. We add a close
//! button, close on a click on the backdrop, and give focus back to the image
//! that opened it, even when its row was rebuilt meanwhile.
//!
//! One dialog per page, built with plain DOM calls on first use (like the
//! message rows, for the bundle's sake) and refilled on every opening. The
//! viewer is a chunk of its own, fetched the first time an image is opened:
//! the first message never waits for it.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use super::dom::{append, document, element, set, set_style};
use crate::i18n::{Locale, Texts};

const ID: &str = "image-viewer";
/// The inline image's button: it carries what the viewer shows.
pub const OPENER: &str = "button.message-image-button";

#[wasm_bindgen]
extern "C" {
    /// `<dialog>`; web-sys has it behind a feature this crate does not
    /// otherwise need.
    #[wasm_bindgen(extends = Element)]
    type Dialog;
    /// Throws when the dialog is already open; then there is nothing to do.
    #[wasm_bindgen(method, catch, js_name = showModal)]
    fn show_modal(this: &Dialog) -> Result<(), JsValue>;
    #[wasm_bindgen(method)]
    fn close(this: &Dialog);
}

thread_local! {
    /// The id of the button that opened the dialog (see `opener_id`).
    static OPENED_BY: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The id of a row's image button. Rows are rebuilt whole (a mood arrived,
/// the language changed), so focus goes back by id, to the button that now
/// stands for the same message, rather than to an element that may be gone.
pub fn opener_id(row_key: &str) -> String {
    ["image-", row_key].concat()
}

split_fn! { image_viewer:
    /// Opens the viewer on the image of `opener` (an `OPENER` button with
    /// `data-full`, and `data-size` when the size is known).
    pub fn show(opener: Element, locale: Locale) {
        open(&opener, locale.texts())
    }
}

fn open(opener: &Element, t: &Texts) {
    let Some(url) = opener.get_attribute("data-full") else { return };
    let document = document();
    let dialog = document.get_element_by_id(ID).unwrap_or_else(build);
    set(&dialog, "aria-label", t.image_viewer_label);
    let Some(close) = dialog.first_element_child() else { return };
    set(&close, "aria-label", t.image_close);
    // A new image each time, so the previous one never shows while this
    // one loads.
    let image = element(&document, "img", "image-viewer-image");
    set(&image, "src", &url);
    set(&image, "alt", t.chat_image_alt);
    // The natural size (`--w`, `--h`) gives the box its shape before the
    // full image has loaded; CSS scales it to fit the viewport.
    if let Some((w, h)) = opener.get_attribute("data-size").as_deref().and_then(|size| size.split_once(' ')) {
        set_style(&image, "--w", w);
        set_style(&image, "--h", h);
    }
    let children = js_sys::Array::new();
    children.push(&close);
    children.push(&image);
    dialog.replace_children_with_node(&children);
    OPENED_BY.set(opener.get_attribute("id"));
    let _ = dialog.unchecked_ref::<Dialog>().show_modal();
}

/// `<dialog class="image-viewer"><button>✕</button></dialog>` at the end of
/// `<body>`, with its one handler; built once.
fn build() -> Element {
    let document = document();
    let dialog = element(&document, "dialog", "image-viewer");
    set(&dialog, "id", ID);
    let close = element(&document, "button", "image-viewer-close");
    set(&close, "type", "button");
    close.set_text_content(Some("✕"));
    append(&dialog, &close);

    // Closed by the close button, or by a click on the backdrop (which hits
    // the dialog itself: the image and the button cover the rest). Once
    // closed, by whatever means, focus goes back to the opener.
    let on_event = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        let Some(target) = event.target().and_then(|target| target.dyn_into::<Element>().ok()) else { return };
        if event.type_() == "close" {
            return_focus();
        } else if target.get_attribute("id").as_deref() == Some(ID) || target.closest(".image-viewer-close").ok().flatten().is_some() {
            if let Some(dialog) = super::dom::document().get_element_by_id(ID) {
                dialog.unchecked_ref::<Dialog>().close();
            }
        }
    });
    for kind in ["click", "close"] {
        let _ = dialog.add_event_listener_with_callback(kind, on_event.as_ref().unchecked_ref());
    }
    // The dialog lives as long as the page.
    on_event.forget();
    if let Some(body) = document.body() {
        let _ = body.append_child(&dialog);
    }
    dialog
}

/// Focus goes back to the image that opened the viewer.
fn return_focus() {
    let Some(id) = OPENED_BY.take() else { return };
    if let Some(opener) = document().get_element_by_id(&id).and_then(|opener| opener.dyn_into::<HtmlElement>().ok()) {
        let _ = opener.focus();
    }
}
