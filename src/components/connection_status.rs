use leptos::prelude::*;

use crate::connection::{use_connection, ConnectionState};
use crate::i18n::{tr, use_i18n};

/// A dot and a word: connected, reconnecting, offline. Announced politely to
/// screen readers when it changes. Guests, who have nothing to connect to,
/// see nothing (CSS hides `idle`).
#[component]
pub fn ConnectionStatus() -> impl IntoView {
    let i18n = use_i18n();
    let connection = use_connection();
    let state = move || connection.0.get();
    let class = move || match state() {
        ConnectionState::Idle => "connection idle",
        ConnectionState::Connecting | ConnectionState::Reconnecting => "connection pending",
        ConnectionState::Connected => "connection ok",
        ConnectionState::Polling => "connection ok polling",
        ConnectionState::Offline => "connection down",
    };
    let label = move || {
        let t = i18n.t();
        match state() {
            ConnectionState::Idle => t.connection_idle,
            ConnectionState::Connecting => t.connection_connecting,
            ConnectionState::Connected => t.connection_connected,
            ConnectionState::Polling => t.connection_polling,
            ConnectionState::Reconnecting => t.connection_reconnecting,
            ConnectionState::Offline => t.connection_offline,
        }
    };
    // Lost after having been connected (or never reached): a banner under
    // the header says so in words, on a phone too, where the label is hidden.
    let lost = move || matches!(state(), ConnectionState::Reconnecting | ConnectionState::Offline);
    view! {
        <div class=class role="status" aria-live="polite" title=tr(|t| t.connection_label)>
            <span class="connection-dot" aria-hidden="true"></span>
            <span class="connection-label">{label}</span>
        </div>
        <p class="connection-banner" role="alert" hidden=move || !lost()>{tr(|t| t.connection_lost_banner)}</p>
    }
}
