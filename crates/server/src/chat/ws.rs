//! The WebSocket API (docs/protocol.md, "WebSocket"): authenticate at the
//! upgrade, then one task per connection that reads frames, runs them through
//! the core's transport-neutral edge (`moodchat_core::edge`, which a Lambda
//! runs too), and forwards the hub's events, merging backfill and live
//! messages by seq so that a client joining with `since` gets every message
//! exactly once and in order. A connection ends when its token expires or is
//! signed out, and when the hub kicks it, even in the middle of a write to a
//! client that stopped reading.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use async_trait::async_trait;
use moodchat_core::edge::{self, Caller, Replies};
use moodchat_core::error::{bad_request, unauthorized};
use moodchat_core::{ConnectionId, Identity, VerifiedToken};
use moodchat_protocol::limits::{MAX_WS_FRAME_BYTES, MAX_WS_MESSAGE_BYTES};
use moodchat_protocol::{ApiError, ErrorCode, ServerEvent};
use serde::Deserialize;
use tokio::time::Instant;

use super::http::{ChatError, QueryParams};
use super::hub::{serialise, Kick, KickSignal, Outbound, Registration, Slot, TooManyConnections};
use super::ChatState;

const CLOSE_NORMAL: u16 = 1000;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;
/// Application close codes (docs/protocol.md, "Close codes"): reconnect with
/// a fresh token, or sign in again.
const CLOSE_TOKEN_EXPIRED: u16 = 4001;
const CLOSE_SIGNED_OUT: u16 = 4002;
/// How long a closing connection may take to hand over its close frame: a
/// client that reads nothing does not get to hold the task any longer.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

#[derive(Deserialize)]
pub struct ConnectQuery {
    token: Option<String>,
}

/// `GET /api/ws?token=<id token>`. A bad token is refused before the upgrade
/// with 401, as API Gateway's `$connect` authorizer does.
pub async fn upgrade(
    State(chat): State<ChatState>,
    QueryParams(query): QueryParams<ConnectQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Some(token) = query.token.filter(|t| !t.is_empty()) else {
        return ChatError::Api(unauthorized("missing ?token=")).into_response();
    };
    let verified = match chat.authenticate_token(&token).await {
        Ok(verified) => verified,
        Err(error) => return ChatError::Api(error).into_response(),
    };
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return ChatError::Api(bad_request(rejection.body_text())).into_response(),
    };
    // Reserved before the upgrade, so that a burst of upgrades cannot all
    // pass the count; the slot is given back if the upgrade never completes.
    let registration = match chat.hub.connect(verified.identity.clone(), verified.session.clone()) {
        Ok(registration) => registration,
        Err(TooManyConnections { limit }) => {
            let message = format!("at most {limit} WebSockets per user may be open at once; close another tab or device");
            return ChatError::Api(ApiError::new(ErrorCode::RateLimited, message)).into_response();
        }
    };
    upgrade
        .max_frame_size(MAX_WS_FRAME_BYTES)
        .max_message_size(MAX_WS_MESSAGE_BYTES)
        .on_upgrade(move |socket| Connection::run(chat, verified, registration, socket))
}

/// Why the loop ended and what to tell the client.
enum End {
    /// The client closed or vanished: nothing to send.
    Gone,
    Close(u16, &'static str),
}

impl End {
    fn kicked(reason: Kick) -> End {
        match reason {
            Kick::SlowConsumer => End::Close(CLOSE_POLICY, "slow consumer"),
            Kick::SignedOut => End::Close(CLOSE_SIGNED_OUT, "signed out"),
        }
    }
}

struct Connection {
    chat: ChatState,
    who: Identity,
    id: ConnectionId,
    out: Outlet,
    _slot: Slot,
}

/// The client's side of the socket, and what writing to it must respect.
struct Outlet {
    socket: WebSocket,
    /// Per joined room: the newest message seq already sent on this
    /// connection. Live messages at or below it were part of the backfill.
    sent_up_to: HashMap<String, u64>,
    kick: Arc<KickSignal>,
    token_expires: Instant,
}

impl Connection {
    async fn run(chat: ChatState, verified: VerifiedToken, registration: Registration, socket: WebSocket) {
        let Registration { id, mut outbox, kick, slot } = registration;
        let now_ms = chat.service.now_ms();
        let token_expires = deadline(verified.expires_at_ms, now_ms);
        let idle_timeout = chat.config.idle_timeout;
        let who = verified.identity;
        let out = Outlet { socket, sent_up_to: HashMap::new(), kick, token_expires };
        let mut connection = Connection { chat, who, id, out, _slot: slot };
        let idle = tokio::time::sleep(idle_timeout);
        tokio::pin!(idle);

        let end = loop {
            tokio::select! {
                incoming = connection.out.socket.recv() => match incoming {
                    None => break End::Gone,
                    Some(Err(error)) => break end_for_read_error(error),
                    Some(Ok(message)) => {
                        idle.as_mut().reset(Instant::now() + idle_timeout);
                        let handled = match message {
                            WsMessage::Text(text) => connection.handle_text(text.as_str()).await,
                            WsMessage::Binary(_) => {
                                let error = bad_request("frames must be JSON text, not binary");
                                connection.out.reply(&ServerEvent::error(error, None)).await
                            }
                            WsMessage::Close(_) => break End::Gone,
                            // Pings are answered by the WebSocket layer; they still count as activity.
                            WsMessage::Ping(_) | WsMessage::Pong(_) => Ok(()),
                        };
                        if let Err(end) = handled {
                            break end;
                        }
                    }
                },
                item = outbox.recv() => match item {
                    Some(item) => if let Err(end) = connection.out.forward(item).await { break end },
                    // The hub dropped us: kicked (too slow, or signed out).
                    None => break End::kicked(connection.out.kick.reason().unwrap_or(Kick::SlowConsumer)),
                },
                end = must_close(&connection.out.kick, connection.out.token_expires) => break end,
                _ = &mut idle => break End::Close(CLOSE_NORMAL, "idle timeout"),
            }
        };
        // What was queued for this client is freed now, not after the close.
        drop(outbox);
        if let End::Close(code, reason) = end {
            let frame = CloseFrame { code, reason: reason.into() };
            let _ = tokio::time::timeout(CLOSE_GRACE, connection.out.socket.send(WsMessage::Close(Some(frame)))).await;
        }
        if let Err(error) = connection.chat.service.disconnect(&connection.id).await {
            tracing::warn!(?error, "disconnect cleanup failed");
        }
    }

    async fn handle_text(&mut self, text: &str) -> Result<(), End> {
        let caller = Caller { who: &self.who, connection: &self.id };
        edge::handle_text(&self.chat.service, caller, text, &mut self.out).await
    }
}

impl Outlet {
    /// Every write to the client, given up as soon as the connection must
    /// close: a client that stopped reading would otherwise keep this task
    /// waiting, with its queue, until the write timeout.
    async fn write(&mut self, message: WsMessage) -> Result<(), End> {
        tokio::select! {
            sent = self.socket.send(message) => sent.map_err(|_| End::Gone),
            end = must_close(&self.kick, self.token_expires) => Err(end),
        }
    }

    /// Forwards a hub event, skipping messages the backfill already sent.
    async fn forward(&mut self, item: Outbound) -> Result<(), End> {
        let json = match item {
            Outbound::Message { room, seq, json } => {
                if let Some(sent) = self.sent_up_to.get_mut(room.as_ref()) {
                    if seq <= *sent {
                        return Ok(());
                    }
                    *sent = seq;
                }
                json
            }
            Outbound::Event(json) => json,
        };
        self.write(WsMessage::Text(json)).await
    }
}

#[async_trait]
impl Replies for Outlet {
    type Closed = End;

    async fn reply(&mut self, event: &ServerEvent) -> Result<(), End> {
        self.write(WsMessage::Text(serialise(event))).await
    }

    fn sent_up_to(&mut self, room: &str, seq: Option<u64>) {
        match seq {
            Some(seq) => self.sent_up_to.insert(room.to_string(), seq),
            None => self.sent_up_to.remove(room),
        };
    }

    fn left(&mut self, room: &str) {
        self.sent_up_to.remove(room);
    }
}

/// Resolves when the connection must close, whatever it is doing: the hub
/// kicked it, or its token expired (the client reconnects with a fresh one).
async fn must_close(kick: &KickSignal, token_expires: Instant) -> End {
    tokio::select! {
        reason = kick.kicked() => End::kicked(reason),
        _ = tokio::time::sleep_until(token_expires) => End::Close(CLOSE_TOKEN_EXPIRED, "token expired"),
    }
}

/// When a token expiring at `expires_at_ms` stops a connection; a token
/// without `exp` (not one the verifier accepts) is given a year.
fn deadline(expires_at_ms: Option<i64>, now_ms: i64) -> Instant {
    let left_ms = expires_at_ms.map_or(365 * 24 * 3600 * 1000, |at| at.saturating_sub(now_ms).max(0));
    Instant::now() + Duration::from_millis(left_ms as u64)
}

/// Reading failed. A frame or message over the limit is closed with 1009 as
/// documented; anything else means the peer is gone or broke the protocol.
fn end_for_read_error(error: axum::Error) -> End {
    match error.into_inner().downcast::<tungstenite::Error>() {
        Ok(error) if matches!(*error, tungstenite::Error::Capacity(_)) => End::Close(CLOSE_TOO_BIG, "message too big"),
        Ok(error) => {
            tracing::debug!(%error, "WebSocket read failed");
            End::Gone
        }
        Err(error) => {
            tracing::debug!(%error, "WebSocket read failed");
            End::Gone
        }
    }
}
