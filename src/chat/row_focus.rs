//! The keyboard focus inside the message list, whose rows are plain DOM
//! that `Keyed` rebuilds (a message changed: its mood arrived, it was
//! regrouped, the language changed) and moves (the window shifted, a
//! message arrived): a node taken out of the document loses the focus to
//! the page's body, even when it is put back at once. The list notes the
//! focus before it updates its rows and gives it back after, and gives it
//! to a search result once that row is drawn.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// What had the focus inside the rows: the element, and its row's key.
pub struct Focused {
    element: HtmlElement,
    row: Option<String>,
}

/// The focused element, if it is inside `rows`.
pub fn focused(rows: &Element) -> Option<Focused> {
    let active = web_sys::window()?.document()?.active_element()?;
    if !rows.contains(Some(&active)) {
        return None;
    }
    let row = active.closest(".message").ok().flatten().and_then(|row| row.get_attribute("data-key"));
    Some(Focused { element: active.dyn_into().ok()?, row })
}

/// After the rows were updated: the focus back on the same element if it
/// is still in the list, else on its row's new element (when focusable).
pub fn restore(rows: &Element, focused: Focused) {
    let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
    if active.as_ref() == Some(focused.element.as_ref()) {
        return;
    }
    if focused.element.is_connected() {
        focus(&focused.element);
    } else if let Some(key) = focused.row {
        focus_row(rows, &key);
    }
}

/// Focuses the row of message `key` if it is drawn and focusable (the
/// search result's row); false if it is not (yet).
pub fn focus_row(rows: &Element, key: &str) -> bool {
    let children = rows.children();
    let row = (0..children.length())
        .filter_map(|index| children.item(index))
        .find(|row| row.get_attribute("data-key").as_deref() == Some(key) && row.has_attribute("tabindex"));
    match row.and_then(|row| row.dyn_into::<HtmlElement>().ok()) {
        Some(row) => {
            focus(&row);
            true
        }
        None => false,
    }
}

/// Without scrolling: the list places its rows itself.
fn focus(element: &HtmlElement) {
    let options = web_sys::FocusOptions::new();
    options.set_prevent_scroll(true);
    let _ = element.focus_with_options(&options);
}
