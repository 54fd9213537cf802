//! The page's side of the SRP worker (crates/srp-worker): created on first
//! use, so the ~300 KB of big-number, regex and date code is downloaded only
//! by someone who signs in, and computed off the UI thread.
//!
//! Requests are strictly one at a time (the sign-in form is disabled while
//! it runs), so each one simply installs the promise's resolve function as
//! the worker's `onmessage`: no Rust closures to keep alive.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Worker;

use super::error::AuthError;

/// The loader trunk writes for the worker (`data-loader-shim`): it imports
/// the wasm-bindgen glue and starts the wasm. scripts/build_app.py
/// moves the worker's files into a directory named after their contents (so
/// they are cached for a year) and builds the app with this URL in
/// `MOODCHAT_SRP_WORKER_URL`; without it (the browser tests), trunk's own name.
pub const WORKER_URL: &str =
    if let Some(url) = option_env!("MOODCHAT_SRP_WORKER_URL") { url } else { "/moodchat-srp-worker_loader.js" };

/// How long the worker may take to load (a slow phone on a slow network)
/// or to answer before the sign-in reports an error instead of hanging.
const TIMEOUT_MS: i32 = 30_000;

struct SrpWorker {
    worker: Worker,
    /// Resolves with the worker's `{op: "ready"}`, rejects if it cannot load.
    ready: Promise,
}

thread_local! {
    static WORKER: RefCell<Option<SrpWorker>> = const { RefCell::new(None) };
}

/// Starts loading the worker if it is not loaded yet: the sign-in page calls
/// it when it mounts, so the download overlaps with typing the password.
pub fn preload() {
    WORKER.with(|slot| {
        if slot.borrow().is_none() {
            *slot.borrow_mut() = create().ok();
        }
    });
}

fn create() -> Result<SrpWorker, JsValue> {
    let worker = Worker::new(WORKER_URL)?;
    let ready = next_reply(&worker);
    Ok(SrpWorker { worker, ready })
}

/// A promise of the worker's next message (its `data`), rejected on a worker
/// error or after the timeout.
fn next_reply(worker: &Worker) -> Promise {
    let reply = Promise::new(&mut |resolve, reject| {
        worker.set_onmessage(Some(&resolve));
        worker.set_onerror(Some(&reject));
    });
    let timeout = Promise::new(&mut |_, reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&reject, TIMEOUT_MS);
        }
    });
    Promise::race(&js_sys::Array::of2(&reply, &timeout))
}

/// Sends one request and waits for its answer's `data` (boxed, like
/// `cognito::call`, so it is compiled once).
fn request(message: &[(&str, &str)]) -> Pin<Box<dyn Future<Output = Result<JsValue, AuthError>>>> {
    let object = Object::new();
    for (name, value) in message {
        let _ = Reflect::set(&object, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    Box::pin(exchange(object))
}

async fn exchange(object: Object) -> Result<JsValue, AuthError> {
    preload();
    let (worker, ready) = WORKER
        .with(|slot| slot.borrow().as_ref().map(|srp| (srp.worker.clone(), srp.ready.clone())))
        .ok_or_else(|| AuthError::Unexpected("the browser refused to start the sign-in worker".into()))?;
    let failed = |_| {
        // Start from a fresh worker next time: this one may be broken.
        WORKER.with(|slot| *slot.borrow_mut() = None);
        worker.terminate();
        AuthError::Unexpected("the sign-in worker did not load or answer".into())
    };
    JsFuture::from(ready).await.map_err(failed)?;
    let reply = next_reply(&worker);
    worker.post_message(&object).map_err(failed)?;
    let event = JsFuture::from(reply).await.map_err(failed)?;
    let data = Reflect::get(&event, &JsValue::from_str("data")).unwrap_or(JsValue::UNDEFINED);
    let field = |name: &str| Reflect::get(&data, &JsValue::from_str(name)).ok().and_then(|v| v.as_string());
    if field("op").as_deref() == Some("error") {
        return Err(AuthError::Unexpected(field("message").unwrap_or_default()));
    }
    Ok(data.unchecked_into())
}

fn string_field(data: &JsValue, name: &str) -> Result<String, AuthError> {
    Reflect::get(data, &JsValue::from_str(name))
        .ok()
        .and_then(|value| value.as_string())
        .ok_or_else(|| AuthError::Unexpected(["the sign-in worker sent no ", name].concat()))
}

/// A fresh SRP client in the worker; returns SRP_A (hex) for InitiateAuth.
pub async fn start(pool_id: &str, client_id: &str, username: &str, password: &str) -> Result<String, AuthError> {
    let data = request(&[
        ("op", "start"),
        ("pool_id", pool_id),
        ("client_id", client_id),
        ("username", username),
        ("password", password),
    ])
    .await?;
    string_field(&data, "srp_a")
}

/// What RespondToAuthChallenge needs to prove the password.
pub struct PasswordClaim {
    pub secret_block: String,
    pub signature: String,
    pub timestamp: String,
}

/// Answers the PASSWORD_VERIFIER challenge with the client from `start`.
pub async fn verify(secret_block: &str, user_id_for_srp: &str, salt: &str, srp_b: &str) -> Result<PasswordClaim, AuthError> {
    let data = request(&[
        ("op", "verify"),
        ("secret_block", secret_block),
        ("user_id_for_srp", user_id_for_srp),
        ("salt", salt),
        ("srp_b", srp_b),
    ])
    .await?;
    Ok(PasswordClaim {
        secret_block: secret_block.to_owned(),
        signature: string_field(&data, "signature")?,
        timestamp: string_field(&data, "timestamp")?,
    })
}
