//! When to (re)connect: exponential back-off with jitter, and when `auto`
//! gives up on WebSockets for polling. A pure state machine; the transport
//! feeds it events and does what it answers.

use moodchat_protocol::Transport;

use crate::connection::ConnectionState;

/// The first retry comes after about this long...
pub const BASE_DELAY_MS: f64 = 500.0;
/// ...and no retry waits longer than this, so a server that is back is
/// found within about 2 s whatever the length of the outage (issue 14: it
/// took 25 s after a 20 s one). A refused connection costs the server next
/// to nothing, and the jitter spreads a restart's reconnects over a second.
pub const MAX_DELAY_MS: f64 = 2_000.0;
/// With `auto`, WebSockets that never opened after this many attempts in a
/// row mean something in between blocks them: poll instead.
pub const FAILURES_BEFORE_POLLING: u32 = 3;

/// How often to ping an open WebSocket so the server never closes it as
/// idle: at 40% of its idle timeout (`None`: the documented 10 minutes), so
/// even a ping delayed by a throttled background timer lands in time.
pub fn heartbeat_ms(idle_timeout_secs: Option<u64>) -> u64 {
    idle_timeout_secs.unwrap_or(moodchat_protocol::limits::DEFAULT_IDLE_TIMEOUT_SECS).max(1) * 400
}

/// Exponential back-off with "equal jitter": half the ceiling for sure, the
/// other half random, so a server restart is not met by every tab at once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    /// The delay before the next attempt; `random` is in 0..1.
    pub fn next_delay(&mut self, random: f64) -> f64 {
        let ceiling = (BASE_DELAY_MS * 2f64.powi(self.attempt.min(16) as i32)).min(MAX_DELAY_MS);
        self.attempt += 1;
        ceiling / 2.0 + random.clamp(0.0, 1.0) * ceiling / 2.0
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

/// How messages arrive right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    WebSocket,
    Polling,
}

/// What the transport should do next.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Next {
    /// Try again after this many ms.
    RetryIn(f64),
    /// Stop trying WebSockets; poll from now on.
    SwitchToPolling,
    /// Wait for the browser to say it is online again.
    WaitForNetwork,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reconnect {
    preference: Transport,
    mode: Mode,
    state: ConnectionState,
    backoff: Backoff,
    /// Whether a WebSocket ever opened in this tab: then failures are outages
    /// (a restarting server), not a network that blocks WebSockets.
    websocket_worked: bool,
    failures_in_a_row: u32,
}

impl Reconnect {
    pub fn new(preference: Transport) -> Reconnect {
        let mode = if preference == Transport::Polling { Mode::Polling } else { Mode::WebSocket };
        Reconnect {
            preference,
            mode,
            state: ConnectionState::Idle,
            backoff: Backoff::default(),
            websocket_worked: false,
            failures_in_a_row: 0,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// What the header shows (`Polling` is connected, by polling).
    pub fn state(&self) -> ConnectionState {
        self.state
    }

    /// An attempt starts (a socket is opened, or the first poll is sent).
    pub fn connecting(&mut self) {
        if self.state != ConnectionState::Reconnecting {
            self.state = ConnectionState::Connecting;
        }
    }

    /// The link works: the socket opened, or a poll answered.
    pub fn connected(&mut self) {
        self.state = if self.mode == Mode::Polling { ConnectionState::Polling } else { ConnectionState::Connected };
        self.backoff.reset();
        self.failures_in_a_row = 0;
        if self.mode == Mode::WebSocket {
            self.websocket_worked = true;
        }
    }

    /// The link failed (a socket closed or never opened, a poll failed).
    /// `online` is the browser's view; `random` in 0..1 jitters the delay.
    pub fn failed(&mut self, online: bool, random: f64) -> Next {
        self.failures_in_a_row += 1;
        if !online {
            self.state = ConnectionState::Offline;
            return Next::WaitForNetwork;
        }
        let falling_back = self.preference == Transport::Auto && !self.websocket_worked;
        if falling_back && self.mode == Mode::WebSocket && self.failures_in_a_row >= FAILURES_BEFORE_POLLING {
            // The back-off keeps growing: if the server is down, polling
            // fails too and it should not be hammered by either.
            self.mode = Mode::Polling;
            self.failures_in_a_row = 0;
            self.state = ConnectionState::Connecting;
            return Next::SwitchToPolling;
        }
        if falling_back && self.mode == Mode::Polling {
            // Polling cannot reach the server either: it is down (or the
            // tab was loaded while it was), which says nothing about
            // WebSockets. Try them again, so a server that comes back is
            // not stuck on polling for the rest of the session.
            self.mode = Mode::WebSocket;
            self.failures_in_a_row = 0;
        }
        self.state = ConnectionState::Reconnecting;
        Next::RetryIn(self.backoff.next_delay(random))
    }

    /// Whether messages flow now, over either transport.
    pub fn is_connected(&self) -> bool {
        matches!(self.state, ConnectionState::Connected | ConnectionState::Polling)
    }

    /// The browser lost the network.
    pub fn offline(&mut self) {
        self.state = ConnectionState::Offline;
    }

    /// The browser has a network again: try at once, from a fresh back-off.
    pub fn online(&mut self) {
        self.backoff.reset();
        self.state = ConnectionState::Reconnecting;
    }

    /// Signed out: nothing to connect to.
    pub fn stop(&mut self) {
        self.state = ConnectionState::Idle;
        self.backoff.reset();
        self.failures_in_a_row = 0;
    }
}
