//! Uploading an image (docs/protocol.md, "Images"): check the file before
//! anything is sent, ask the server for a ticket, then PUT the bytes straight
//! to the ticket's URL. The PUT goes through `XMLHttpRequest` rather than
//! `fetch` because only XHR reports upload progress (`upload.onprogress`)
//! and can be aborted without an AbortController dance.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect};
use moodchat_protocol::limits::{IMAGE_CONTENT_TYPES, MAX_UPLOAD_BYTES};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ProgressEvent, XmlHttpRequest};

use super::api::{Api, ApiError};
use crate::i18n::Texts;

/// Why an image cannot be (or was not) uploaded, each shown translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadProblem {
    /// Not JPEG, PNG, GIF or WebP (`415`).
    WrongType,
    /// Larger than the server takes (`413`).
    TooLarge,
    /// Empty files get no ticket (`400`).
    Empty,
    /// Not a member of the room, or the ticket expired (`403`).
    Forbidden,
    /// Over the user's upload quota (`429`) or the server is busy with
    /// other images (`503`): worth a retry a little later.
    Throttled,
    /// No answer, or an answer the app did not expect: worth a retry.
    Failed,
    /// The user cancelled it.
    Cancelled,
}

impl UploadProblem {
    pub fn message(self, t: &Texts) -> &'static str {
        match self {
            UploadProblem::WrongType => t.image_wrong_type,
            UploadProblem::TooLarge => t.image_too_large,
            UploadProblem::Empty => t.image_empty,
            UploadProblem::Forbidden => t.image_forbidden,
            UploadProblem::Throttled => t.image_throttled,
            UploadProblem::Failed => t.image_failed,
            UploadProblem::Cancelled => t.image_cancelled,
        }
    }

    /// The problem an HTTP status from the ticket or the PUT stands for.
    pub fn from_status(status: u16) -> UploadProblem {
        match status {
            403 => UploadProblem::Forbidden,
            413 => UploadProblem::TooLarge,
            415 => UploadProblem::WrongType,
            429 | 503 => UploadProblem::Throttled,
            _ => UploadProblem::Failed,
        }
    }
}

/// Checks a file's declared type and size against the server's limits, so
/// the user hears about a wrong file before any byte leaves the browser.
pub fn validate(content_type: &str, size: f64) -> Result<(), UploadProblem> {
    if !IMAGE_CONTENT_TYPES.contains(&content_type) {
        Err(UploadProblem::WrongType)
    } else if size > MAX_UPLOAD_BYTES as f64 {
        Err(UploadProblem::TooLarge)
    } else if size <= 0.0 {
        Err(UploadProblem::Empty)
    } else {
        Ok(())
    }
}

/// Where and how to PUT one image, and the key to send it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub key: String,
}

/// Reads a ticket from the server's JSON; `None` when it is not one.
pub fn ticket(value: &JsValue) -> Option<Ticket> {
    let get = |name: &str| Reflect::get(value, &JsValue::from_str(name)).ok();
    let headers = get("headers").filter(JsValue::is_object).map(|headers| {
        Object::entries(headers.unchecked_ref())
            .iter()
            .filter_map(|entry| {
                let entry: js_sys::Array = entry.unchecked_into();
                Some((entry.get(0).as_string()?, entry.get(1).as_string()?))
            })
            .collect()
    });
    Some(Ticket {
        url: get("url")?.as_string()?,
        method: get("method").and_then(|m| m.as_string()).unwrap_or_else(|| "PUT".into()),
        headers: headers.unwrap_or_default(),
        key: get("key")?.as_string()?,
    })
}

/// Asks for a ticket for `blob` in `room`.
pub async fn request_ticket(api: &Api, room: &str, content_type: &str, size: f64) -> Result<Ticket, UploadProblem> {
    match api.upload_ticket(room, content_type, size).await {
        Ok(value) => ticket(&value).ok_or(UploadProblem::Failed),
        Err(ApiError::Status(status, _)) => Err(UploadProblem::from_status(status)),
        Err(ApiError::Network) => Err(UploadProblem::Failed),
    }
}

/// The ticket's URL made absolute: it is relative to the API's origin on
/// the embedded server and absolute on AWS.
fn absolute_url(api_base: &str, url: &str) -> String {
    let page = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    web_sys::Url::new_with_base(api_base, &page)
        .and_then(|base| web_sys::Url::new_with_base(url, &base.href()))
        .map(|url| url.href())
        .unwrap_or_else(|_| url.to_owned())
}

/// An upload in flight: keep it to cancel it.
#[derive(Clone)]
pub struct PutRequest {
    xhr: XmlHttpRequest,
}

impl PutRequest {
    pub fn cancel(&self) {
        let _ = self.xhr.abort();
    }
}

/// Starts the PUT of `blob` with exactly the ticket's headers and no
/// `Authorization` (the signature in the URL is the permission). Calls
/// `on_progress` with the fraction sent; the future ends with the outcome.
pub fn put(
    api_base: &str,
    ticket: &Ticket,
    blob: &Blob,
    on_progress: impl Fn(f64) + 'static,
) -> Result<(PutRequest, impl std::future::Future<Output = Result<(), UploadProblem>>), UploadProblem> {
    let xhr = XmlHttpRequest::new().map_err(|_| UploadProblem::Failed)?;
    xhr.open(&ticket.method, &absolute_url(api_base, &ticket.url)).map_err(|_| UploadProblem::Failed)?;
    for (name, value) in &ticket.headers {
        xhr.set_request_header(name, value).map_err(|_| UploadProblem::Failed)?;
    }
    let progress = Closure::<dyn Fn(ProgressEvent)>::new(move |event: ProgressEvent| {
        if event.length_computable() && event.total() > 0.0 {
            on_progress(event.loaded() / event.total());
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    // `loadend` fires once for success, error and abort alike; the outcome
    // is told apart by the status (0 when there was no answer) and a flag.
    let cancelled = Rc::new(RefCell::new(false));
    let done = Promise::new(&mut |resolve, _reject| {
        let _ = xhr.add_event_listener_with_callback("loadend", &resolve);
    });
    xhr.send_with_opt_blob(Some(blob)).map_err(|_| UploadProblem::Failed)?;
    let request = PutRequest { xhr: xhr.clone() };
    let abort_flag = cancelled.clone();
    let on_abort = Closure::once_into_js(move || *abort_flag.borrow_mut() = true);
    let _ = xhr.add_event_listener_with_callback("abort", on_abort.unchecked_ref());
    let outcome = async move {
        let _ = JsFuture::from(done).await;
        // Kept alive until the upload ended.
        drop(progress);
        let status = xhr.status().unwrap_or(0);
        if *cancelled.borrow() {
            Err(UploadProblem::Cancelled)
        } else if (200..300).contains(&status) {
            Ok(())
        } else if status == 0 {
            Err(UploadProblem::Failed)
        } else {
            Err(UploadProblem::from_status(status))
        }
    };
    Ok((request, outcome))
}
