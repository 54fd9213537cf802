//! The WebSocket API (docs/protocol.md, "WebSocket"): authenticate at the
//! upgrade, then one task per connection that reads frames, runs them through
//! ChatService, and forwards the hub's events, merging backfill and live
//! messages by id so that a client joining with `since` gets every message
//! exactly once and in order.

use std::collections::HashMap;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use moodchat_core::error::{bad_request, unauthorized};
use moodchat_core::frames::parse_client_frame;
use moodchat_core::ids::is_ulid;
use moodchat_core::rate_limit::TokenBucket;
use moodchat_core::{ConnectionId, Identity, SendRequest};
use moodchat_protocol::limits::{LOBBY_ROOM_ID, MAX_WS_FRAME_BYTES, MAX_WS_MESSAGE_BYTES};
use moodchat_protocol::{ApiError, ClientFrame, ErrorCode, SendMessageFrame, ServerEvent};
use serde::Deserialize;
use tokio::time::Instant;

use super::http::{ChatError, QueryParams};
use super::hub::{serialise, Outbound, Registration};
use super::ChatState;

/// Backfill is read from the store in pages of this many messages.
const BACKFILL_PAGE: u32 = 200;

const CLOSE_NORMAL: u16 = 1000;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;

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
    let who = match chat.authenticate(&token).await {
        Ok(who) => who,
        Err(error) => return ChatError(error).into_response(),
    };
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return ChatError(bad_request(rejection.body_text())).into_response(),
    };
    upgrade
        .max_frame_size(MAX_WS_FRAME_BYTES)
        .max_message_size(MAX_WS_MESSAGE_BYTES)
        .on_upgrade(move |socket| Connection::run(chat, who, socket))
}

/// Why the loop ended and what to tell the client.
enum End {
    /// The client closed or vanished: nothing to send.
    Gone,
    Close(u16, &'static str),
}

struct Connection {
    chat: ChatState,
    who: Identity,
    id: ConnectionId,
    socket: WebSocket,
    /// Per joined room: the newest message id already sent on this
    /// connection. Live messages at or below it were part of the backfill.
    sent_up_to: HashMap<String, String>,
    rate: TokenBucket,
}

/// Sending failed: the socket is gone.
struct SocketGone;

impl Connection {
    async fn run(chat: ChatState, who: Identity, socket: WebSocket) {
        let Registration { id, mut outbox, kicked } = chat.hub.connect(who.user_ref());
        let rate = TokenBucket::new(chat.config.ws_frames, chat.service.now_ms());
        let idle_timeout = chat.config.idle_timeout;
        let mut connection = Connection { chat, who, id, socket, sent_up_to: HashMap::new(), rate };
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
                        if handled.is_err() {
                            break End::Gone;
                        }
                    }
                },
                item = outbox.recv() => match item {
                    Some(item) => if connection.forward(item).await.is_err() { break End::Gone },
                    // The hub dropped us: we were too slow.
                    None => break End::Close(CLOSE_POLICY, "slow consumer"),
                },
                _ = kicked.notified() => break End::Close(CLOSE_POLICY, "slow consumer"),
                _ = &mut idle => break End::Close(CLOSE_NORMAL, "idle timeout"),
            }
        };
        if let End::Close(code, reason) = end {
            let frame = CloseFrame { code, reason: reason.into() };
            let _ = connection.socket.send(WsMessage::Close(Some(frame))).await;
        }
        if let Err(error) = connection.chat.service.disconnect(&connection.id).await {
            tracing::warn!(?error, "disconnect cleanup failed");
        }
    }

    async fn send(&mut self, event: &ServerEvent) -> Result<(), SocketGone> {
        self.socket.send(WsMessage::Text(serialise(event))).await.map_err(|_| SocketGone)
    }

    async fn send_error(&mut self, error: ApiError, client_id: Option<String>) -> Result<(), SocketGone> {
        self.send(&ServerEvent::error(error, client_id)).await
    }

    /// Forwards a hub event, skipping messages the backfill already sent.
    async fn forward(&mut self, item: Outbound) -> Result<(), SocketGone> {
        let json = match item {
            Outbound::Message { room, id, json } => {
                if let Some(sent) = self.sent_up_to.get_mut(room.as_ref()) {
                    if id.as_ref() <= sent.as_str() {
                        return Ok(());
                    }
                    *sent = id.to_string();
                }
                json
            }
            Outbound::Event(json) => json,
        };
        self.socket.send(WsMessage::Text(json)).await.map_err(|_| SocketGone)
    }

    async fn handle_text(&mut self, text: &str) -> Result<(), SocketGone> {
        let frame = match parse_client_frame(text) {
            Ok(frame) => frame,
            Err(error) => return self.send_error(error, None).await,
        };
        if !self.rate.try_take(self.chat.service.now_ms()) {
            let client_id = match &frame {
                ClientFrame::SendMessage(send) => send.client_id.clone(),
                _ => None,
            };
            let error = ApiError::new(ErrorCode::RateLimited, "too many frames; slow down");
            return self.send_error(error, client_id).await;
        }
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
    /// live copy because its id is not above `sent_up_to`.
    async fn join(&mut self, room: String, since: Option<String>) -> Result<(), SocketGone> {
        if since.as_deref().is_some_and(|since| !is_ulid(since)) {
            return self.send_error(bad_request("`since` must be a message id"), None).await;
        }
        let joined = match self.chat.service.join_live(&self.who, &self.id, &room).await {
            Ok(joined) => joined,
            Err(error) => return self.send_error(error, None).await,
        };
        let room = joined.room.id;
        self.send(&ServerEvent::Presence { room: room.clone(), online: joined.online }).await?;
        match since {
            Some(since) => {
                let mut cursor = since.to_ascii_uppercase();
                self.sent_up_to.insert(room.clone(), cursor.clone());
                loop {
                    let page = match self.chat.service.messages_after(&self.who, &room, &cursor, BACKFILL_PAGE).await {
                        Ok(page) => page,
                        Err(error) => return self.send_error(error, None).await,
                    };
                    let Some(last) = page.last() else { break };
                    cursor = last.id.clone();
                    for message in page {
                        self.send(&ServerEvent::Message { message }).await?;
                    }
                    self.sent_up_to.insert(room.clone(), cursor.clone());
                }
            }
            None => {
                self.sent_up_to.remove(&room);
            }
        }
        self.send(&ServerEvent::Joined { room }).await
    }

    async fn send_message(&mut self, frame: SendMessageFrame) -> Result<(), SocketGone> {
        let room = frame.room.unwrap_or_else(|| LOBBY_ROOM_ID.to_string());
        // The wscat tutorial frame has no client_id; such sends still get an
        // ack, they are just not idempotent.
        let client_id = frame.client_id.unwrap_or_else(|| self.chat.service.new_client_id());
        let request = SendRequest { client_id: client_id.clone(), text: frame.text, image_key: frame.image_key };
        match self.chat.service.send(&self.who, &room, request).await {
            Ok(sent) => {
                let ack = ServerEvent::Ack { client_id, id: sent.message.id, room: sent.message.room };
                self.send(&ack).await
            }
            Err(error) => self.send_error(error, Some(client_id)).await,
        }
    }
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
