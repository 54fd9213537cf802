//! Plain DOM helpers for the two lists the chat keeps current (messages and
//! rooms). Their items are rebuilt whole when they change, never patched, so
//! building them with DOM calls and reusing unchanged ones by key costs a
//! few functions instead of a Leptos view type per item. Text only ever goes
//! into text nodes (`textContent`, `createTextNode`), never parsed as HTML.

use std::collections::HashMap;

use leptos::prelude::*;
use web_sys::{Document, Element};

pub fn document() -> Document {
    web_sys::window().and_then(|window| window.document()).unwrap_or_else(|| unreachable!("a browser page"))
}

/// `<tag class="class">`.
pub fn element(document: &Document, tag: &str, class: &str) -> Element {
    let element = document.create_element(tag).unwrap_or_else(|_| unreachable!("{tag} is a valid tag"));
    if !class.is_empty() {
        element.set_class_name(class);
    }
    element
}

/// `<tag class="class">text</tag>`, the text as a text node.
pub fn with_text(document: &Document, tag: &str, class: &str, text: &str) -> Element {
    let element = element(document, tag, class);
    element.set_text_content(Some(text));
    element
}

pub fn append(parent: &Element, child: &Element) {
    let _ = parent.append_child(child);
}

pub fn set(element: &Element, name: &str, value: &str) {
    let _ = element.set_attribute(name, value);
}

/// One CSS property of an element, through the CSSOM: the app's
/// Content-Security-Policy (`style-src 'self'`) blocks `style` attributes,
/// so `set(element, "style", ..)` would be silently ignored.
pub fn set_style(element: &Element, property: &str, value: &str) {
    use wasm_bindgen::JsCast;
    if let Some(element) = element.dyn_ref::<web_sys::HtmlElement>() {
        let _ = element.style().set_property(property, value);
    }
}

/// The children of a container, kept by key: items whose key is unchanged
/// keep their element (and a keyboard user's focus inside it).
#[derive(Clone, Copy)]
pub struct Keyed {
    built: StoredValue<HashMap<String, Element>, LocalStorage>,
    order: StoredValue<Vec<String>>,
}

impl Keyed {
    pub fn new() -> Keyed {
        Keyed { built: StoredValue::new_local(HashMap::new()), order: StoredValue::new(Vec::new()) }
    }

    /// Makes `container`'s children the elements of `items` (key, builder),
    /// building only those whose key is new. Moves nodes only when the list
    /// of keys changed.
    pub fn update(&self, container: &Element, items: Vec<(String, Box<dyn FnOnce() -> Element + '_>)>) {
        let nodes = js_sys::Array::new();
        let mut keys = Vec::with_capacity(items.len());
        self.built.update_value(|built| {
            let mut kept = HashMap::with_capacity(items.len());
            for (key, build) in items {
                let element = built.remove(&key).unwrap_or_else(build);
                nodes.push(&element);
                keys.push(key.clone());
                kept.insert(key, element);
            }
            *built = kept;
        });
        if self.order.with_value(|order| *order != keys) {
            container.replace_children_with_node(&nodes);
            self.order.set_value(keys);
        }
    }
}

impl Default for Keyed {
    fn default() -> Self {
        Keyed::new()
    }
}

/// Calls `changed` whenever the element behind `node` changes size, for as
/// long as the owning component lives.
pub fn on_resize<E>(node: NodeRef<E>, changed: impl Fn() + 'static)
where
    E: leptos::html::ElementType + 'static,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
{
    use wasm_bindgen::{closure::Closure, JsCast};
    let changed = std::rc::Rc::new(changed);
    Effect::new(move |_| {
        let Some(element) = node.get() else { return };
        let changed = changed.clone();
        let callback = Closure::<dyn FnMut()>::new(move || changed());
        let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) else { return };
        observer.observe(element.unchecked_ref::<web_sys::Element>());
        let observing = StoredValue::new_local(Some((observer, callback)));
        on_cleanup(move || {
            if let Some((observer, _callback)) = observing.try_update_value(Option::take).flatten() {
                observer.disconnect();
            }
        });
    });
}
