//! The Lambda Runtime API (2018-06-01) one process talks to: `next` hands it
//! an invocation (long poll), `response`/`error` give the outcome back,
//! `init/error` reports a failed start. One listener per process, so the
//! gateway always knows which invocation a dying process held.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use tokio::sync::Notify;

use super::pool::{FunctionPool, Invocation};
use super::Outcome;

/// Lambda's limit on a synchronous response.
const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

pub(super) struct InFlight {
    pub request_id: String,
    pub reply: tokio::sync::oneshot::Sender<Outcome>,
}

/// One process's side of the Runtime API.
pub(super) struct Instance {
    pool: Arc<FunctionPool>,
    in_flight: Mutex<Option<InFlight>>,
    served: std::sync::atomic::AtomicBool,
    kill: Notify,
}

impl Instance {
    pub fn new(pool: Arc<FunctionPool>) -> Self {
        Self { pool, in_flight: Mutex::new(None), served: false.into(), kill: Notify::new() }
    }

    pub fn served(&self) -> bool {
        self.served.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn take_in_flight(&self) -> Option<InFlight> {
        self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Resolves when the gateway decides this process must die (timeout).
    pub async fn killed(&self) {
        self.kill.notified().await
    }

    /// Completes the invocation `request_id` if it is still this process's.
    fn complete(&self, request_id: &str, outcome: Outcome) -> bool {
        let mut slot = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        match slot.take() {
            Some(in_flight) if in_flight.request_id == request_id => {
                let _ = in_flight.reply.send(outcome);
                true
            }
            other => {
                *slot = other;
                false
            }
        }
    }
}

pub(super) fn router(instance: Arc<Instance>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(instance)
}

/// Counts the process as idle while it waits, even if the wait is dropped.
struct IdleGuard<'a>(&'a FunctionPool);

impl<'a> IdleGuard<'a> {
    fn new(pool: &'a FunctionPool) -> Self {
        pool.idle_changed(1);
        Self(pool)
    }
}

impl Drop for IdleGuard<'_> {
    fn drop(&mut self) {
        self.0.idle_changed(-1);
    }
}

async fn next(State(instance): State<Arc<Instance>>) -> Response {
    let Invocation { request_id, payload, reply } = {
        let _idle = IdleGuard::new(&instance.pool);
        let mut receiver = instance.pool.receiver.lock().await;
        match receiver.recv().await {
            Some(invocation) => invocation,
            None => return StatusCode::GONE.into_response(),
        }
    };
    instance.pool.dequeued();
    instance.served.store(true, std::sync::atomic::Ordering::Relaxed);
    let timeout = instance.pool.def().timeout;
    let deadline_ms = crate::now_ms() + timeout.as_millis() as i64;
    *instance.in_flight.lock().unwrap_or_else(|p| p.into_inner()) = Some(InFlight { request_id: request_id.clone(), reply });
    spawn_timeout(instance.clone(), request_id.clone(), timeout);

    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", request_id);
    set("lambda-runtime-deadline-ms", deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", instance.pool.def().arn.clone());
    set("lambda-runtime-trace-id", format!("Root=1-{:08x}-{};Sampled=0", crate::now_ms() / 1000, &uuid::Uuid::new_v4().simple().to_string()[..24]));
    set("content-type", "application/json".to_owned());
    (StatusCode::OK, headers, payload).into_response()
}

/// Lambda kills an execution environment whose invocation runs past the
/// function's timeout; the next invocation starts a new one.
fn spawn_timeout(instance: Arc<Instance>, request_id: String, timeout: Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(timeout).await;
        let message = format!("RequestId: {request_id} Error: Task timed out after {:.2} seconds", timeout.as_secs_f64());
        if instance.complete(&request_id, Outcome::error("Sandbox.Timedout", message)) {
            tracing::warn!(function = %instance.pool.def().logical_id, %request_id, "timed out; killing the instance");
            instance.kill.notify_one();
        }
    });
}

async fn response(State(instance): State<Arc<Instance>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let outcome = if body.len() > MAX_RESPONSE_BYTES {
        Outcome::error(
            "Function.ResponseSizeTooLarge",
            format!("Response payload size ({} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).", body.len()),
        )
    } else {
        Outcome::Response(body)
    };
    if instance.complete(&id, outcome) {
        StatusCode::ACCEPTED
    } else {
        StatusCode::BAD_REQUEST
    }
}

async fn error(State(instance): State<Arc<Instance>>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut document: Value = serde_json::from_slice(&body).unwrap_or_else(|_| {
        serde_json::json!({"errorType": "Unhandled", "errorMessage": String::from_utf8_lossy(&body)})
    });
    if document.get("errorType").is_none() {
        if let Some(kind) = headers.get("lambda-runtime-function-error-type").and_then(|v| v.to_str().ok()) {
            document["errorType"] = Value::String(kind.to_owned());
        }
    }
    if instance.complete(&id, Outcome::Error(document)) {
        StatusCode::ACCEPTED
    } else {
        StatusCode::BAD_REQUEST
    }
}

async fn init_error(State(instance): State<Arc<Instance>>, body: Bytes) -> StatusCode {
    tracing::error!(function = %instance.pool.def().logical_id, error = %String::from_utf8_lossy(&body), "init error");
    instance.kill.notify_one();
    StatusCode::ACCEPTED
}
