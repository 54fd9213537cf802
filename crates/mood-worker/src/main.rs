//! The on-device sentiment model in a dedicated web worker, for the live
//! mood preview while someone types.
//!
//! Why a worker: the model's weights are about 870 KB gzip, far more than the
//! whole SPA, so they must not be in the bundle every visitor downloads; the
//! SPA creates this worker only once the composer has text. Rating also runs
//! off the UI thread, so typing never waits for it.
//!
//! Protocol (plain JS objects):
//! - worker → page `{op: "ready"}` once the model is loaded (messages posted
//!   before that would find no handler, so the page waits for it);
//! - page → worker `{id, text}` → `{id, label, score}`, where `label` is
//!   `"positive" | "neutral" | "negative"` and `score` the model's
//!   probability of it; `id` is echoed so the page can drop stale answers.
//!   A message without a string `text` is ignored: there is nothing to rate.

use js_sys::{Object, Reflect};
use moodchat_sentiment::Model;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let model = Model::embedded();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        if let Some(reply) = rate(&model, &event.data()) {
            let _ = reply_to.post_message(&reply);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler (and the model it owns) lives as long as the worker.
    on_message.forget();
    let ready = Object::new();
    set(&ready, "op", &JsValue::from_str("ready"));
    let _ = scope.post_message(&ready);
}

/// The answer to one `{id, text}` request.
fn rate(model: &Model, request: &JsValue) -> Option<JsValue> {
    let text = Reflect::get(request, &JsValue::from_str("text")).ok()?.as_string()?;
    let id = Reflect::get(request, &JsValue::from_str("id")).unwrap_or(JsValue::UNDEFINED);
    let prediction = model.predict(&text);
    let reply = Object::new();
    set(&reply, "id", &id);
    set(&reply, "label", &JsValue::from_str(prediction.label.as_str()));
    set(&reply, "score", &JsValue::from_f64(f64::from(prediction.score)));
    Some(reply.into())
}

fn set(object: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(name), value);
}
