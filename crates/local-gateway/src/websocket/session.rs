//! One open connection: frames in (each an invocation of its route's
//! function, run concurrently as API Gateway does), frames out (from the
//! `@connections` API), the idle and total time limits, and `$disconnect`.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use base64::Engine;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

use super::events::{self, ConnectionContext};
use super::{Connection, Outgoing, WebSocketApi};
use crate::lambda::Outcome;

/// RFC 6455's "going away": what API Gateway closes idle and expired
/// connections with.
const GOING_AWAY: u16 = 1001;
const MESSAGE_TOO_BIG: u16 = 1009;

pub async fn run(api: Arc<WebSocketApi>, context: ConnectionContext, mut socket: WebSocket) {
    let (outbox, mut outgoing) = mpsc::channel(api.limits.outbox_capacity);
    let connection = Arc::new(Connection::new(
        context.connection_id.clone(),
        context.connected_at,
        context.source_ip.clone(),
        context.user_agent.clone(),
        outbox,
    ));
    api.connections.insert(connection.clone());
    let started = Instant::now();
    let expires = started + api.limits.max_duration;
    let mut idle_deadline = started + api.limits.idle_timeout;

    let (code, reason) = loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    idle_deadline = Instant::now() + api.limits.idle_timeout;
                    connection.touch(crate::now_ms());
                    dispatch(&api, &context, &connection, text.to_string(), false);
                }
                Some(Ok(Message::Binary(bytes))) => {
                    idle_deadline = Instant::now() + api.limits.idle_timeout;
                    connection.touch(crate::now_ms());
                    dispatch(&api, &context, &connection, base64::engine::general_purpose::STANDARD.encode(&bytes), true);
                }
                // Control frames are answered by the WebSocket layer; like API
                // Gateway's, they do not count as activity.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(frame))) => {
                    break match frame {
                        Some(frame) => (frame.code, format!("Client-side close frame status code: {}", frame.code)),
                        None => (1005, "Client-side close frame status not set".to_owned()),
                    };
                }
                Some(Err(error)) => {
                    // tungstenite reports an oversized frame or message as a
                    // capacity error ("Space limit exceeded: ...").
                    let text = error.to_string();
                    if text.contains("Space limit exceeded") || text.contains("too long") || text.contains("too big") {
                        close(&mut socket, MESSAGE_TOO_BIG, "Message too big").await;
                        break (MESSAGE_TOO_BIG, "Message too big".to_owned());
                    }
                    break (1006, format!("Connection error: {text}"));
                }
                None => break (1006, "Connection lost".to_owned()),
            },
            Some(frame) = outgoing.recv() => {
                let message = match frame {
                    Outgoing::Text(text) => Message::Text(text.into()),
                    Outgoing::Binary(bytes) => Message::Binary(bytes.into()),
                    Outgoing::Close(code, reason) => {
                        close(&mut socket, code, &reason).await;
                        break (code, reason);
                    }
                };
                if socket.send(message).await.is_err() {
                    break (1006, "Connection lost".to_owned());
                }
            }
            _ = sleep_until(idle_deadline) => {
                close(&mut socket, GOING_AWAY, "Going away").await;
                break (GOING_AWAY, "Idle timeout".to_owned());
            }
            _ = sleep_until(expires) => {
                close(&mut socket, GOING_AWAY, "Going away").await;
                break (GOING_AWAY, "Maximum connection duration reached".to_owned());
            }
        }
    };
    api.connections.remove(&context.connection_id);
    disconnect(&api, &context, code, &reason);
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame { code, reason: reason.to_owned().into() };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Invokes the frame's route in the background; a failed integration is
/// reported to the client the way API Gateway reports it.
fn dispatch(api: &Arc<WebSocketApi>, context: &ConnectionContext, connection: &Arc<Connection>, body: String, is_base64: bool) {
    let request_id = crate::request_id();
    let Some(route) = api.select_route(if is_base64 { "" } else { &body }).cloned() else {
        connection.send(Outgoing::Text(events::error_frame("Forbidden", &context.connection_id, &request_id)));
        return;
    };
    let (api, context, connection) = (api.clone(), context.clone(), connection.clone());
    tokio::spawn(async move {
        let Some(pool) = api.functions.get(&route.function) else { return };
        let event = events::message_event(&context, &route.key, &body, is_base64, crate::now_ms(), &request_id);
        if let Outcome::Error(error) = pool.invoke(event.to_string().into_bytes()).await {
            tracing::warn!(%error, route = %route.key, connection = %context.connection_id, "route integration failed");
            connection.send(Outgoing::Text(events::error_frame("Internal server error", &context.connection_id, &request_id)));
        }
    });
}

/// `$disconnect` is best effort on AWS too: fire and forget.
fn disconnect(api: &Arc<WebSocketApi>, context: &ConnectionContext, code: u16, reason: &str) {
    let Some(route) = api.route("$disconnect").cloned() else { return };
    let Some(pool) = api.functions.get(&route.function).cloned() else { return };
    let event = events::disconnect_event(context, code, reason, crate::now_ms(), &crate::request_id());
    tokio::spawn(async move {
        if let Outcome::Error(error) = pool.invoke(event.to_string().into_bytes()).await {
            tracing::warn!(%error, "$disconnect failed");
        }
    });
}
