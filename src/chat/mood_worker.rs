//! The page's side of the mood worker (crates/mood-worker): the on-device
//! sentiment model behind the composer's live mood preview.
//!
//! The worker (about 900 KB gzip, nearly all of it weights) is created only
//! when the preview first has text to rate, so nobody downloads it for the
//! first screen, or at all without typing. Requests are debounced while
//! typing, numbered, and an answer is shown only if it is newer than the one
//! shown (latest wins). Until the worker is ready, or for good if it fails to
//! load, the model answers nothing and the preview stays empty: it is a nicety,
//! never an error.
//!
//! One worker serves the page; its answers go to the newest composer's
//! signal (the composer is re-created per room).

use std::cell::RefCell;
use std::time::Duration;

use js_sys::{Object, Reflect};
use leptos::prelude::*;
use moodchat_protocol::Sentiment;
use wasm_bindgen::prelude::*;
use web_sys::{Event, Worker};

use super::mood::MoodModel;

/// The loader trunk writes for the worker (`data-loader-shim`). scripts/build_app.py
/// moves the worker's files into a directory named after their contents (so
/// they are cached for a year) and builds the app with this URL in
/// `MOODCHAT_MOOD_WORKER_URL`; without it (the browser tests), trunk's own name.
pub const WORKER_URL: &str =
    if let Some(url) = option_env!("MOODCHAT_MOOD_WORKER_URL") { url } else { "/moodchat-mood-worker_loader.js" };

/// How long typing must pause before the text is rated: one request per
/// pause instead of one per keystroke.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// The numbering of requests, apart from the browser so it can be tested.
#[derive(Default)]
pub struct Requests {
    /// The id of the newest request made (ids start at 1).
    newest: u32,
    /// The id whose answer is shown (0: none yet).
    shown: u32,
    /// The text of the newest request, so that asking again for the same
    /// text (the preview re-renders when an answer arrives) sends nothing.
    newest_text: Option<String>,
}

impl Requests {
    /// Whether the newest request is for `text`.
    pub fn is_newest(&self, text: &str) -> bool {
        self.newest_text.as_deref() == Some(text)
    }

    /// The id of a request for `text`, or `None` if the newest request is
    /// already for this text.
    pub fn request(&mut self, text: &str) -> Option<u32> {
        if self.is_newest(text) {
            return None;
        }
        self.newest += 1;
        self.newest_text = Some(text.to_owned());
        Some(self.newest)
    }

    /// Whether the answer to request `id` replaces the one shown: only an
    /// answer to a newer request than the shown one does, so a late answer
    /// for older text never overwrites a fresher mood.
    pub fn accept(&mut self, id: u32) -> bool {
        if id > self.shown && id <= self.newest {
            self.shown = id;
            true
        } else {
            false
        }
    }
}

struct Client {
    worker: Worker,
    /// Set on the worker's `{op: "ready"}`; before it, posted messages
    /// would find no handler in the worker.
    ready: bool,
    requests: Requests,
    /// Text waiting for the debounce timer (or for the worker to be ready).
    pending: Option<String>,
    timer: Option<TimeoutHandle>,
    /// The newest answer accepted.
    shown: Option<Sentiment>,
    /// Tells the newest composer's preview that `shown` changed (it holds
    /// the id of the answer; a plain number, not a signal of `Sentiment`,
    /// because every new signal type costs the main bundle its own code).
    answered: RwSignal<u32>,
}

thread_local! {
    /// `None` until the preview first has text; `Some(None)` once the
    /// worker failed to load (never retried: it is only a preview).
    static CLIENT: RefCell<Option<Option<Client>>> = const { RefCell::new(None) };
}

/// The `MoodModel` for a composer's `MoodPreview`: the mood of the newest
/// answer, and a (debounced) request for `text` if it is not rated yet.
/// Reading `answered` makes the preview update when an answer arrives.
pub fn model() -> MoodModel {
    let answered = RwSignal::new(0u32);
    MoodModel(Callback::new(move |text: String| {
        answered.track();
        want(&text, answered)
    }))
}

/// Asks for `text` to be rated; returns the mood shown until then.
fn want(text: &str, answered: RwSignal<u32>) -> Option<Sentiment> {
    CLIENT.with(|slot| {
        let mut slot = slot.borrow_mut();
        let client = slot.get_or_insert_with(|| create(answered).ok()).as_mut()?;
        client.answered = answered;
        let shown = client.shown.clone();
        if client.pending.as_deref() == Some(text) {
            return shown;
        }
        if let Some(timer) = client.timer.take() {
            timer.clear();
        }
        // Back to the text of the newest request (or a re-render after its
        // answer): that answer is the right one, drop any newer pending text.
        if client.requests.is_newest(text) {
            client.pending = None;
            return shown;
        }
        client.pending = Some(text.to_owned());
        client.timer = set_timeout_with_handle(flush, DEBOUNCE).ok();
        shown
    })
}

fn create(answered: RwSignal<u32>) -> Result<Client, JsValue> {
    let worker = Worker::new(WORKER_URL)?;
    // One handler for answers and for errors (a failed load, a crash): the
    // worker lives as long as the page, and so does the handler. (The same
    // closure type as the chat client's socket handlers: no new glue.)
    let on_event = Closure::<dyn FnMut(Event)>::new(on_event).into_js_value();
    worker.set_onmessage(Some(on_event.unchecked_ref()));
    worker.set_onerror(Some(on_event.unchecked_ref()));
    Ok(Client { worker, ready: false, requests: Requests::default(), pending: None, timer: None, shown: None, answered })
}

/// Sends the pending text, if the worker is ready for it.
fn flush() {
    CLIENT.with(|slot| {
        let mut slot = slot.borrow_mut();
        let Some(Some(client)) = slot.as_mut() else { return };
        client.timer = None;
        if !client.ready {
            return;
        }
        let Some(text) = client.pending.take() else { return };
        let Some(id) = client.requests.request(&text) else { return };
        let message = Object::new();
        let _ = Reflect::set(&message, &"id".into(), &id.into());
        let _ = Reflect::set(&message, &"text".into(), &text.into());
        let _ = client.worker.post_message(&message);
    });
}

fn on_event(event: Event) {
    if event.type_() != "message" {
        fail();
        return;
    }
    let data = Reflect::get(&event, &JsValue::from_str("data")).unwrap_or(JsValue::UNDEFINED);
    let field = |name: &str| Reflect::get(&data, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    if field("op").as_string().as_deref() == Some("ready") {
        CLIENT.with(|slot| {
            if let Some(Some(client)) = slot.borrow_mut().as_mut() {
                client.ready = true;
            }
        });
        flush();
        return;
    }
    let (Some(id), Some(label), Some(score)) = (field("id").as_f64(), field("label").as_string(), field("score").as_f64())
    else {
        return;
    };
    let id = id as u32;
    // Decided under the borrow, notified after it: the signal may re-run
    // the preview, which calls `want` again.
    let answered = CLIENT.with(|slot| match slot.borrow_mut().as_mut() {
        Some(Some(client)) => client.requests.accept(id).then(|| {
            client.shown = Some(Sentiment { label, score: score as f32, source: "client".into() });
            client.answered
        }),
        _ => None,
    });
    if let Some(answered) = answered {
        answered.try_set(id);
    }
}

/// The worker could not load or crashed: drop it and show no preview.
fn fail() {
    let client = CLIENT.with(|slot| slot.borrow_mut().replace(None)).flatten();
    if let Some(client) = client {
        client.worker.terminate();
        client.answered.try_set(0);
    }
}

#[cfg(test)]
mod tests {
    use super::Requests;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_same_text_is_requested_once() {
        let mut requests = Requests::default();
        assert!(!requests.is_newest("hello"));
        assert_eq!(requests.request("hello"), Some(1));
        assert!(requests.is_newest("hello"));
        assert_eq!(requests.request("hello"), None);
        assert_eq!(requests.request("hello!"), Some(2));
        assert_eq!(requests.request("hello"), Some(3), "back to older text is a new request");
    }

    #[wasm_bindgen_test]
    fn only_answers_newer_than_the_shown_one_are_shown() {
        let mut requests = Requests::default();
        let first = requests.request("I love").unwrap();
        let second = requests.request("I love this").unwrap();
        assert!(requests.accept(second));
        assert!(!requests.accept(first), "a late answer for older text");
        assert!(!requests.accept(second), "the same answer twice");
        let third = requests.request("I hate this").unwrap();
        assert!(requests.accept(third));
    }

    #[wasm_bindgen_test]
    fn answers_to_requests_never_made_are_ignored() {
        let mut requests = Requests::default();
        assert!(!requests.accept(0));
        assert!(!requests.accept(1));
        let id = requests.request("hi").unwrap();
        assert!(!requests.accept(id + 1));
        assert!(requests.accept(id));
    }
}
