//! How many uploads are decoded at once, and how many may wait for a turn.
//! A decode takes a core and up to `process::MAX_DECODE_BYTES` (and about
//! twice that while re-encoding), so only a few run together; the rest wait
//! in line, each holding nothing but its file in `.incoming`. A full line is
//! refused at once with `503 {"code":"unavailable"}` and `Retry-After`,
//! instead of queueing without bound.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use moodchat_protocol::{ApiError, ErrorCode};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Seconds a refused upload is told to wait before trying again.
const BUSY_RETRY_SECS: u64 = 5;

pub struct DecodeGate {
    turns: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// The line is full.
#[derive(Debug)]
pub struct Busy;

impl IntoResponse for Busy {
    fn into_response(self) -> Response {
        let body = Json(ApiError::new(ErrorCode::Unavailable, "too many images are being processed; try again shortly"));
        let retry_after = [(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_SECS))];
        (StatusCode::SERVICE_UNAVAILABLE, retry_after, body).into_response()
    }
}

/// Leaves the line (counted while waiting) on drop, also when the waiting
/// future is dropped.
struct InLine<'a>(&'a AtomicUsize);

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl DecodeGate {
    pub fn new(concurrent: usize, max_waiting: usize) -> Self {
        Self { turns: Arc::new(Semaphore::new(concurrent.max(1))), waiting: AtomicUsize::new(0), max_waiting }
    }

    /// One decode per core; up to 32 per core waiting (each holding a file
    /// of at most `--max-upload-bytes` in `.incoming` and a connection).
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Self::new(cores, cores * 32)
    }

    /// A turn to decode, at once or after waiting in line; `Busy` when the
    /// line is full.
    pub async fn turn(&self) -> Result<OwnedSemaphorePermit, Busy> {
        if let Ok(permit) = self.turns.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Busy);
        }
        let _in_line = InLine(&self.waiting);
        // The semaphore is never closed.
        self.turns.clone().acquire_owned().await.map_err(|_| Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn turns_then_a_bounded_line_then_busy() {
        let gate = Arc::new(DecodeGate::new(1, 1));
        let first = gate.turn().await.unwrap();
        let waiter = tokio::spawn({
            let gate = gate.clone();
            async move { gate.turn().await.map(drop) }
        });
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while gate.waiting.load(Ordering::Acquire) == 0 {
            assert!(tokio::time::Instant::now() < deadline, "the second upload never got in line");
            tokio::task::yield_now().await;
        }
        assert!(gate.turn().await.is_err(), "a third has no room in line");
        drop(first);
        waiter.await.unwrap().unwrap();
        assert_eq!(gate.waiting.load(Ordering::Acquire), 0);
        assert!(gate.turn().await.is_ok());
    }

    #[tokio::test]
    async fn a_busy_answer_is_a_json_503_with_retry_after() {
        let response = Busy.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }
}
