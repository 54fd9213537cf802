//! When each of our messages may go to the server: one at a time, in the
//! order they were written, and no faster than the server accepts them.
//!
//! The server limits every WebSocket connection (and every user's REST
//! sends) to a token bucket (docs/protocol.md, "Limits"). A long outbox
//! written offline used to go out all at once on reconnect: the frames past
//! the burst were refused as `rate_limited` and shown as failed. Here the
//! sends spend a client-side bucket of half the server's size and rate (the
//! other half is left for joins, read markers, typing and pings, which share
//! the server's bucket), and only one send is in flight at a time, so a send
//! the server refuses anyway is simply sent again after the bucket refills,
//! before anything written after it: the order holds whatever happens.
//! A pure state machine (time is passed in), tested without a server.

use moodchat_protocol::limits::{WS_FRAMES_BURST, WS_FRAMES_PER_SECOND};

/// Sends allowed at once after a quiet spell.
pub const SEND_BURST: f64 = WS_FRAMES_BURST as f64 / 2.0;
/// Sends allowed per second after the burst.
pub const SENDS_PER_SECOND: f64 = WS_FRAMES_PER_SECOND as f64 / 2.0;
/// After a `rate_limited` answer, wait this long: the server's bucket has
/// refilled well past one token by then.
pub const THROTTLED_PAUSE_MS: f64 = 1000.0;
/// A send unanswered for this long is given up on for now (it stays in the
/// outbox and goes again on the next reconnect) so the queue moves on.
pub const ANSWER_TIMEOUT_MS: f64 = 10_000.0;

/// What to do now.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Send the message with this `client_id` now.
    Send(String),
    /// Ask again after this many ms.
    WaitMs(f64),
    /// Nothing to send, or waiting for the answer to the send in flight.
    Idle,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SendQueue {
    /// `client_id`s in the order they were written. A `Vec`, not a
    /// `VecDeque`: it holds a few dozen at most, and the bundle already has
    /// `Vec<String>`'s code.
    waiting: Vec<String>,
    /// The send awaiting its answer, and when it went.
    in_flight: Option<(String, f64)>,
    tokens: f64,
    updated_ms: f64,
    /// No send before this time (after a `rate_limited` answer).
    not_before_ms: f64,
}

impl SendQueue {
    pub fn new(now_ms: f64) -> SendQueue {
        SendQueue { waiting: Vec::new(), in_flight: None, tokens: SEND_BURST, updated_ms: now_ms, not_before_ms: 0.0 }
    }

    /// Queues a send behind the others; one already queued or in flight is
    /// not queued twice.
    pub fn push(&mut self, client_id: &str) {
        let in_flight = self.in_flight.as_ref().is_some_and(|(id, _)| id == client_id);
        if !in_flight && !self.waiting.iter().any(|id| id == client_id) {
            self.waiting.push(client_id.to_owned());
        }
    }

    /// The next thing to do at `now_ms`. A `Send` puts that message in flight.
    pub fn next(&mut self, now_ms: f64) -> Step {
        if let Some((_, sent_at)) = &self.in_flight {
            if now_ms - sent_at < ANSWER_TIMEOUT_MS {
                return Step::Idle;
            }
            self.in_flight = None;
        }
        if self.waiting.is_empty() {
            return Step::Idle;
        }
        if now_ms < self.not_before_ms {
            return Step::WaitMs((self.not_before_ms - now_ms).ceil().max(1.0));
        }
        self.refill(now_ms);
        if self.tokens < 1.0 {
            // Whole milliseconds, at least one: timers cannot wait less, and a
            // wait too short to change the clock would never refill anything.
            return Step::WaitMs(((1.0 - self.tokens) * 1000.0 / SENDS_PER_SECOND).ceil().max(1.0));
        }
        self.tokens -= 1.0;
        let client_id = self.waiting.remove(0);
        self.in_flight = Some((client_id.clone(), now_ms));
        Step::Send(client_id)
    }

    /// The server answered `client_id` (acknowledged, echoed or refused for
    /// good): the next send may go.
    pub fn answered(&mut self, client_id: &str) {
        if self.in_flight.as_ref().is_some_and(|(id, _)| id == client_id) {
            self.in_flight = None;
        }
        self.waiting.retain(|id| id != client_id);
    }

    /// The server refused `client_id` as too fast: it goes again first,
    /// after a pause.
    pub fn throttled(&mut self, client_id: &str, now_ms: f64) {
        self.answered(client_id);
        self.waiting.insert(0, client_id.to_owned());
        self.tokens = 0.0;
        self.updated_ms = now_ms;
        self.not_before_ms = now_ms + THROTTLED_PAUSE_MS;
    }

    /// The link dropped: forget everything (what is unsent stays in the
    /// outbox and is queued again, in order, when the link is back). The
    /// bucket is kept: the server's REST bucket is per user and outlives a
    /// connection.
    pub fn clear(&mut self) {
        self.waiting.clear();
        self.in_flight = None;
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty() && self.in_flight.is_none()
    }

    fn refill(&mut self, now_ms: f64) {
        let elapsed = (now_ms - self.updated_ms).max(0.0);
        self.updated_ms = self.updated_ms.max(now_ms);
        self.tokens = (self.tokens + elapsed * SENDS_PER_SECOND / 1000.0).min(SEND_BURST);
    }
}
