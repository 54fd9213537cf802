//! The WebSocket API (docs/protocol.md, "WebSocket"): authenticate at the
//! upgrade, then one task per connection that reads frames, runs them through
//! ChatService, and forwards the hub's events, merging backfill and live
//! messages by id so that a client joining with `since` gets every message
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
use moodchat_core::error::{bad_request, unauthorized};
use moodchat_core::frames::parse_client_frame;
use moodchat_core::rate_limit::TokenBucket;
use moodchat_core::{ConnectionId, Identity, SendRequest, VerifiedToken};
use moodchat_protocol::limits::{LOBBY_ROOM_ID, MAX_WS_FRAME_BYTES, MAX_WS_MESSAGE_BYTES};
use moodchat_protocol::{ApiError, ClientFrame, ErrorCode, SendMessageFrame, ServerEvent, Since};
use serde::Deserialize;
use tokio::time::Instant;

use super::http::{ChatError, QueryParams};
use super::hub::{serialise, Kick, KickSignal, Outbound, Registration, Slot, TooManyConnections};
use super::ChatState;

/// Backfill is read from the store in pages of this many messages.
const BACKFILL_PAGE: u32 = 200;

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
        return ChatError(unauthorized("missing ?token=")).into_response();
    };
    let verified = match chat.authenticate_token(&token).await {
        Ok(verified) => verified,
        Err(error) => return ChatError(error).into_response(),
    };
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return ChatError(bad_request(rejection.body_text())).into_response(),
    };
    // Reserved before the upgrade, so that a burst of upgrades cannot all
    // pass the count; the slot is given back if the upgrade never completes.
    let registration = match chat.hub.connect(verified.identity.clone(), verified.session.clone()) {
        Ok(registration) => registration,
        Err(TooManyConnections { limit }) => {
            let message = format!("at most {limit} WebSockets per user may be open at once; close another tab or device");
            return ChatError(ApiError::new(ErrorCode::RateLimited, message)).into_response();
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
    socket: WebSocket,
    /// Per joined room: the newest message seq already sent on this
    /// connection. Live messages at or below it were part of the backfill.
    sent_up_to: HashMap<String, u64>,
    rate: TokenBucket,
    kick: Arc<KickSignal>,
    token_expires: Instant,
    _slot: Slot,
}

impl Connection {
    async fn run(chat: ChatState, verified: VerifiedToken, registration: Registration, socket: WebSocket) {
        let Registration { id, mut outbox, kick, slot } = registration;
        let now_ms = chat.service.now_ms();
        let rate = TokenBucket::new(chat.config.ws_frames, now_ms);
        let token_expires = deadline(verified.expires_at_ms, now_ms);
        let idle_timeout = chat.config.idle_timeout;
        let who = verified.identity;
        let sent_up_to = HashMap::new();
        let mut connection = Connection { chat, who, id, socket, sent_up_to, rate, kick, token_expires, _slot: slot };
        let idle = tokio::time::sleep(idle_timeout);
        tokio::pin!(idle);

        let end = loop {
            tokio::select! {
                incoming = connection.socket.recv() => match incoming {
                    None => break End::Gone,
                    Some(Err(error)) => break end_for_read_error(error),
                    Some(Ok(message)) => {
                        idle.as_mut().reset(Instant::now() + idle_timeout);
                        let handled = match message {
                            WsMessage::Text(text) => connection.handle_text(text.as_str()).await,
                            WsMessage::Binary(_) => {
                                let error = bad_request("frames must be JSON text, not binary");
                                connection.send(&ServerEvent::error(error, None)).await
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
                    Some(item) => if let Err(end) = connection.forward(item).await { break end },
                    // The hub dropped us: kicked (too slow, or signed out).
                    None => break End::kicked(connection.kick.reason().unwrap_or(Kick::SlowConsumer)),
                },
                end = must_close(&connection.kick, connection.token_expires) => break end,
                _ = &mut idle => break End::Close(CLOSE_NORMAL, "idle timeout"),
            }
        };
        // What was queued for this client is freed now, not after the close.
        drop(outbox);
        if let End::Close(code, reason) = end {
            let frame = CloseFrame { code, reason: reason.into() };
            let _ = tokio::time::timeout(CLOSE_GRACE, connection.socket.send(WsMessage::Close(Some(frame)))).await;
        }
        if let Err(error) = connection.chat.service.disconnect(&connection.id).await {
            tracing::warn!(?error, "disconnect cleanup failed");
        }
    }

    /// Every write to the client, given up as soon as the connection must
    /// close: a client that stopped reading would otherwise keep this task
    /// waiting, with its queue, until the write timeout.
    async fn write(&mut self, message: WsMessage) -> Result<(), End> {
        tokio::select! {
            sent = self.socket.send(message) => sent.map_err(|_| End::Gone),
            end = must_close(&self.kick, self.token_expires) => Err(end),
        }
    }

    async fn send(&mut self, event: &ServerEvent) -> Result<(), End> {
        self.write(WsMessage::Text(serialise(event))).await
    }

    async fn send_error(&mut self, error: ApiError, client_id: Option<String>) -> Result<(), End> {
        self.send(&ServerEvent::error(error, client_id)).await
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

    async fn handle_text(&mut self, text: &str) -> Result<(), End> {
        // Charged before anything else: an invalid frame costs its sender a
        // token like any other, so a flood of them is slowed down too.
        let allowed = self.rate.try_take(self.chat.service.now_ms());
        let frame = parse_client_frame(text);
        if !allowed {
            // Parsed only to answer a send with its client_id, for the retry.
            let client_id = match frame {
                Ok(ClientFrame::SendMessage(send)) => send.client_id,
                _ => None,
            };
            let error = ApiError::new(ErrorCode::RateLimited, "too many frames; slow down");
            return self.send_error(error, client_id).await;
        }
        let frame = match frame {
            Ok(frame) => frame,
            Err(error) => return self.send_error(error, None).await,
        };
        match frame {
            ClientFrame::Join { room, since } => self.join(room, since).await,
            ClientFrame::Leave { room } => {
                self.sent_up_to.remove(&room);
                match self.chat.service.leave_live(&self.id, &room).await {
                    Ok(()) => Ok(()),
                    Err(error) => self.send_error(error, None).await,
                }
            }
            ClientFrame::SendMessage(send) => self.send_message(send).await,
            ClientFrame::Typing { room } => match self.chat.service.typing(&self.who, &self.id, &room).await {
                Ok(()) => Ok(()),
                Err(error) => self.send_error(error, None).await,
            },
            ClientFrame::Read { room, message_id } => {
                match self.chat.service.mark_read(&self.who, &room, &message_id).await {
                    Ok(()) => Ok(()),
                    Err(error) => self.send_error(error, None).await,
                }
            }
            ClientFrame::Ping => self.send(&ServerEvent::Pong).await,
        }
    }

    /// Subscribe first, then replay from the store: a message committed in
    /// between is both replayed and queued live, and `forward` drops the
    /// live copy because its seq is not above `sent_up_to`.
    async fn join(&mut self, room: String, since: Option<Since>) -> Result<(), End> {
        // Resolved before subscribing: an unknown `since` is an error
        // without side effects.
        let resume = match &since {
            Some(since) => match self.chat.service.resume_point(&self.who, &room, since).await {
                Ok(seq) => Some(seq),
                Err(error) => return self.send_error(error, None).await,
            },
            None => None,
        };
        let joined = match self.chat.service.join_live(&self.who, &self.id, &room).await {
            Ok(joined) => joined,
            Err(error) => return self.send_error(error, None).await,
        };
        let room = joined.room.id;
        self.send(&ServerEvent::Presence { room: room.clone(), online: joined.online }).await?;
        match resume {
            Some(mut cursor) => {
                self.sent_up_to.insert(room.clone(), cursor);
                loop {
                    let page = match self.chat.service.messages_after(&self.who, &room, cursor, BACKFILL_PAGE).await {
                        Ok(page) => page,
                        Err(error) => return self.send_error(error, None).await,
                    };
                    let Some(last) = page.last() else { break };
                    cursor = last.seq;
                    for message in page {
                        self.send(&ServerEvent::Message { message }).await?;
                    }
                    self.sent_up_to.insert(room.clone(), cursor);
                }
            }
            None => {
                self.sent_up_to.remove(&room);
            }
        }
        self.send(&ServerEvent::Joined { room }).await
    }

    async fn send_message(&mut self, frame: SendMessageFrame) -> Result<(), End> {
        let room = frame.room.unwrap_or_else(|| LOBBY_ROOM_ID.to_string());
        // The wscat tutorial frame has no client_id; such sends still get an
        // ack, they are just not idempotent.
        let client_id = frame.client_id.unwrap_or_else(|| self.chat.service.new_client_id());
        let request = SendRequest { client_id: client_id.clone(), text: frame.text, image_key: frame.image_key };
        match self.chat.service.send(&self.who, &room, request).await {
            Ok(sent) => {
                let ack =
                    ServerEvent::Ack { client_id, id: sent.message.id, room: sent.message.room, seq: sent.message.seq };
                self.send(&ack).await
            }
            Err(error) => self.send_error(error, Some(client_id)).await,
        }
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
