//! The state of the app's link to the chat backend, shown in the header.
//! The real-time client (WebSocket or polling) writes it; the header reads it.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    /// Not signed in, so nothing to connect to yet.
    Idle,
    Connecting,
    Connected,
    /// Connected, but by polling (the server says so, or WebSockets are
    /// blocked): messages arrive a little later, no typing or presence.
    Polling,
    /// Lost the link; retrying with back-off.
    Reconnecting,
    /// The browser reports no network.
    Offline,
}

/// Shared through context so any component can read or update it.
#[derive(Clone, Copy)]
pub struct Connection(pub RwSignal<ConnectionState>);

pub fn provide_connection() -> Connection {
    let connection = Connection(RwSignal::new(ConnectionState::Idle));
    provide_context(connection);
    connection
}

pub fn use_connection() -> Connection {
    expect_context::<Connection>()
}
