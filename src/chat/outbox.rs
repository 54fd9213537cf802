//! What was written but not yet acknowledged, kept in localStorage so that a
//! reload or a crash while offline loses nothing: restored into the rooms'
//! timelines at start and sent again (sends are idempotent by `client_id`).
//! Kept per user, so nobody sends what someone else wrote on a shared browser.

use js_sys::{Array, Object, Reflect, JSON};
use moodchat_protocol::{Quote, UserRef};
use wasm_bindgen::{JsCast, JsValue};

use super::store::{Pending, SendState};
use super::wire;
use crate::storage;

const PREFIX: &str = "moodchat.outbox.";

fn set(object: &Object, name: &str, value: JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(name), &value);
}

fn get(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Replaces what is stored for `me` with `pending` (every room's), as a JSON
/// array of `{room, client_id, text, image_key?, reply_to?, created_at,
/// failed}`, `reply_to` the quote as the protocol writes it.
pub fn save<'a>(me: &UserRef, pending: impl IntoIterator<Item = &'a Pending>) {
    let stored = Array::new();
    for p in pending {
        let item = Object::new();
        set(&item, "room", p.room.as_str().into());
        set(&item, "client_id", p.client_id.as_str().into());
        set(&item, "text", p.text.as_str().into());
        if let Some(image_key) = &p.image_key {
            set(&item, "image_key", image_key.as_str().into());
        }
        if let Some(quote) = &p.reply_to {
            set(&item, "reply_to", quote_object(quote).into());
        }
        set(&item, "created_at", (p.created_at as f64).into());
        set(&item, "failed", (p.state == SendState::Failed).into());
        stored.push(&item);
    }
    let key = [PREFIX, &me.sub].concat();
    if stored.length() == 0 {
        storage::remove(&key);
    } else if let Ok(json) = JSON::stringify(&stored) {
        storage::set(&key, &String::from(json));
    }
}

/// What `me` left unsent, oldest first.
pub fn load(me: &UserRef) -> Vec<Pending> {
    let Some(json) = storage::get(&[PREFIX, &me.sub].concat()) else { return Vec::new() };
    let Ok(stored) = JSON::parse(&json) else { return Vec::new() };
    let Some(stored) = stored.dyn_ref::<Array>() else { return Vec::new() };
    stored
        .iter()
        .filter_map(|item| {
            Some(Pending {
                client_id: get(&item, "client_id").as_string()?,
                room: get(&item, "room").as_string()?,
                sender: me.clone(),
                text: get(&item, "text").as_string()?,
                image_key: get(&item, "image_key").as_string(),
                reply_to: wire::quote(&get(&item, "reply_to")),
                created_at: get(&item, "created_at").as_f64()? as i64,
                state: if get(&item, "failed").as_bool() == Some(true) { SendState::Failed } else { SendState::Sending },
            })
        })
        .collect()
}

fn quote_object(quote: &Quote) -> Object {
    let sender = Object::new();
    set(&sender, "sub", quote.sender.sub.as_str().into());
    set(&sender, "name", quote.sender.name.as_str().into());
    let object = Object::new();
    set(&object, "id", quote.id.as_str().into());
    set(&object, "seq", (quote.seq as f64).into());
    set(&object, "sender", sender.into());
    set(&object, "text", quote.text.as_str().into());
    set(&object, "image", quote.image.into());
    object
}

/// A new `client_id`: time plus randomness, printable ASCII, well under 64
/// characters. The server maps a retried id to the original message.
pub fn new_client_id() -> String {
    let now = js_sys::Date::now() as u64;
    let random = (js_sys::Math::random() * 2f64.powi(52)) as u64;
    format!("c{now:x}{random:x}")
}
