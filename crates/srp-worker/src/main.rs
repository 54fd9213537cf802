//! The SRP half of Cognito's `USER_SRP_AUTH` sign-in, in a dedicated web worker.
//!
//! Why a worker: aws-cognito-srp brings num-bigint, regex, chrono and rand
//! (about 300 KB gzip of wasm), which must not weigh on the main bundle that
//! every visitor downloads; the SPA creates this worker only when someone
//! signs in. It also keeps the 3072-bit modular exponentiations off the UI
//! thread, so the page stays responsive while they run.
//!
//! Protocol (plain JS objects, `op` names the message):
//! - worker → page  `{op: "ready"}` once the wasm is running (messages posted
//!   before that would find no handler, so the page waits for it);
//! - page → worker  `{op: "start", pool_id, client_id, username, password}`
//!   → `{op: "started", srp_a}`: a fresh client with a new secret `a`;
//! - page → worker  `{op: "verify", secret_block, user_id_for_srp, salt, srp_b}`
//!   → `{op: "verified", signature, timestamp}`, from the client kept since
//!   `start` (the proof needs the same `a`), which is then dropped together
//!   with the password;
//! - either → `{op: "error", message}` when something is missing or invalid.

use std::cell::RefCell;

use aws_cognito_srp::{SrpClient, User};
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

thread_local! {
    /// The client between `start` and `verify`: one sign-in attempt at a time.
    static CLIENT: RefCell<Option<SrpClient<User>>> = const { RefCell::new(None) };
}

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let reply = match handle(&event.data()) {
            Ok(reply) => reply,
            Err(message) => message_object(&[("op", "error"), ("message", &message)]),
        };
        let _ = reply_to.post_message(&reply);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let _ = scope.post_message(&message_object(&[("op", "ready")]));
}

fn handle(request: &JsValue) -> Result<JsValue, String> {
    match field(request, "op")?.as_str() {
        "start" => {
            let user = User::new(&field(request, "pool_id")?, &field(request, "username")?, &field(request, "password")?);
            let client = SrpClient::new(user, &field(request, "client_id")?, None);
            let srp_a = client.get_auth_parameters().a;
            CLIENT.with(|slot| *slot.borrow_mut() = Some(client));
            Ok(message_object(&[("op", "started"), ("srp_a", &srp_a)]))
        }
        "verify" => {
            let client = CLIENT
                .with(|slot| slot.borrow_mut().take())
                .ok_or_else(|| "verify before start".to_owned())?;
            let proof = client
                .verify(
                    &field(request, "secret_block")?,
                    &field(request, "user_id_for_srp")?,
                    &field(request, "salt")?,
                    &field(request, "srp_b")?,
                )
                .map_err(|error| error.to_string())?;
            Ok(message_object(&[
                ("op", "verified"),
                ("signature", &proof.password_claim_signature),
                ("timestamp", &proof.timestamp),
            ]))
        }
        other => Err(format!("unknown op {other:?}")),
    }
}

/// A string member of a message, or an error naming it.
fn field(message: &JsValue, name: &str) -> Result<String, String> {
    Reflect::get(message, &JsValue::from_str(name))
        .ok()
        .and_then(|value| value.as_string())
        .ok_or_else(|| format!("missing {name}"))
}

fn message_object(members: &[(&str, &str)]) -> JsValue {
    let object = Object::new();
    for (name, value) in members {
        let _ = Reflect::set(&object, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    object.into()
}
