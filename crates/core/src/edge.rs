//! The transport-neutral edge of the WebSocket API (docs/protocol.md,
//! "WebSocket"): one client text frame in, service calls, and replies to the
//! caller out. The embedded socket task and a `$default` Lambda both run
//! frames through `handle_text`; only how a reply reaches the client differs
//! (`Replies`). Live events to other connections go through the ports.
//!
//! Issue 13's guarantees that belong to a frame live here: the rate limit is
//! charged before parsing (a flood of invalid frames is slowed down too),
//! JSON is strict (`frames::parse_client_frame`), and a send commits on a
//! task no caller can cancel (`commit`).

use async_trait::async_trait;
use moodchat_protocol::limits::LOBBY_ROOM_ID;
use moodchat_protocol::{ClientFrame, SendMessageFrame, ServerEvent, Since};

use crate::frames::parse_client_frame;
use crate::ports::{ConnectionId, Identity};
use crate::rate_limit::Limited;
use crate::{ChatService, SendRequest};

/// Backfill is read from the store in pages of this many messages.
pub const BACKFILL_PAGE: u32 = 200;

/// Who sent a frame, and on which connection. A stateless handler gets the
/// identity from `ChatService::identity`.
#[derive(Clone, Copy, Debug)]
pub struct Caller<'a> {
    pub who: &'a Identity,
    pub connection: &'a ConnectionId,
}

/// Where replies to the caller go: the socket, or API Gateway's
/// `post_to_connection`. `Closed` stops the frame's handling (the client is
/// gone, or the connection must close).
#[async_trait]
pub trait Replies: Send {
    type Closed: Send;

    async fn reply(&mut self, event: &ServerEvent) -> Result<(), Self::Closed>;

    /// The connection follows `room` live, and everything up to `seq` was
    /// sent to it (None: nothing was replayed, every live message is new).
    /// Called before the backfill and after each page of it: a connection
    /// that receives live events meanwhile drops those at or below `seq`.
    fn sent_up_to(&mut self, _room: &str, _seq: Option<u64>) {}

    /// The connection stopped following `room`.
    fn left(&mut self, _room: &str) {}
}

/// Handles one client text frame, charged to the connection's frame budget
/// (`Limited::Frames`, through the service's rate limiter port).
pub async fn handle_text<R: Replies>(
    service: &ChatService,
    caller: Caller<'_>,
    text: &str,
    replies: &mut R,
) -> Result<(), R::Closed> {
    // Charged before anything else: an invalid frame costs its sender a
    // token like any other, so a flood of them is slowed down too.
    let allowed = service.charge(Limited::Frames, &caller.connection.0).await;
    let frame = parse_client_frame(text);
    if let Err(throttled) = allowed {
        // Parsed only to answer a send with its client_id, for the retry.
        let client_id = match frame {
            Ok(ClientFrame::SendMessage(send)) => send.client_id,
            _ => None,
        };
        return replies.reply(&ServerEvent::error(throttled.error(), client_id)).await;
    }
    let frame = match frame {
        Ok(frame) => frame,
        Err(error) => return replies.reply(&ServerEvent::error(error, None)).await,
    };
    // A frame is a sign of life: the connection keeps counting as online.
    // Advisory, so a failure to record it does not fail the frame.
    let _ = service.touch(caller.connection).await;
    let outcome = match frame {
        ClientFrame::Join { room, since, changes } => return join(service, caller, room, since, changes, replies).await,
        ClientFrame::SendMessage(send) => return send_message(service, caller, send, replies).await,
        ClientFrame::Ping => return replies.reply(&ServerEvent::Pong).await,
        ClientFrame::Leave { room } => {
            replies.left(&room);
            service.leave_live(caller.connection, &room).await
        }
        ClientFrame::Typing { room } => service.typing(caller.who, caller.connection, &room).await,
        ClientFrame::Read { room, message_id } => service.mark_read(caller.who, &room, &message_id).await,
        // The `author_mood` event reaches this connection too when it is in
        // the room, so success needs no answer of its own.
        ClientFrame::SetMood { room, message_id, mood } => {
            service.set_author_mood(caller.who, &room, &message_id, mood).await.map(|_| ())
        }
        // Likewise `message_changed`.
        ClientFrame::EditMessage { room, message_id, text } => {
            service.edit_message(caller.who, &room, &message_id, &text).await.map(|_| ())
        }
        ClientFrame::UnsendMessage { room, message_id } => {
            service.unsend_message(caller.who, &room, &message_id).await.map(|_| ())
        }
        ClientFrame::React { room, message_id, emoji, on } => {
            service.react(caller.who, &room, &message_id, &emoji, on).await.map(|_| ())
        }
    };
    match outcome {
        Ok(()) => Ok(()),
        Err(error) => replies.reply(&ServerEvent::error(error, None)).await,
    }
}

/// Subscribe first, then replay from the store: a message committed in
/// between is both replayed and delivered live, and the connection drops
/// the live copy because its seq is not above what `sent_up_to` reported.
/// Changes to older messages (`changes`) are replayed after the messages,
/// as `message_changed`; one made in between arrives twice, which is
/// harmless (a client keeps the copy with the highest change number).
async fn join<R: Replies>(
    service: &ChatService,
    caller: Caller<'_>,
    room: String,
    since: Option<Since>,
    changes: Option<u64>,
    replies: &mut R,
) -> Result<(), R::Closed> {
    // Resolved before subscribing: an unknown `since` is an error without
    // side effects.
    let resume = match &since {
        Some(since) => match service.resume_point(caller.who, &room, since).await {
            Ok(seq) => Some(seq),
            Err(error) => return replies.reply(&ServerEvent::error(error, None)).await,
        },
        None => None,
    };
    let joined = match service.join_live(caller.who, caller.connection, &room).await {
        Ok(joined) => joined,
        Err(error) => return replies.reply(&ServerEvent::error(error, None)).await,
    };
    let room = joined.room.id;
    replies.reply(&ServerEvent::Presence { room: room.clone(), online: joined.online }).await?;
    replies.sent_up_to(&room, resume);
    if let Some(mut cursor) = resume {
        loop {
            let page = match service.messages_after(caller.who, &room, cursor, BACKFILL_PAGE).await {
                Ok(page) => page,
                Err(error) => return replies.reply(&ServerEvent::error(error, None)).await,
            };
            let Some(last) = page.last() else { break };
            cursor = last.seq;
            for message in page {
                replies.reply(&ServerEvent::Message { message }).await?;
            }
            replies.sent_up_to(&room, Some(cursor));
        }
    }
    let changes = match replay_changes(service, caller, &room, changes, replies).await? {
        Ok(changes) => changes,
        Err(error) => return replies.reply(&ServerEvent::error(error, None)).await,
    };
    replies.reply(&ServerEvent::Joined { room, changes }).await
}

/// Sends every change after `after` (none without it) and returns the
/// room's change number the connection is then up to date with.
async fn replay_changes<R: Replies>(
    service: &ChatService,
    caller: Caller<'_>,
    room: &str,
    after: Option<u64>,
    replies: &mut R,
) -> Result<Result<u64, moodchat_protocol::ApiError>, R::Closed> {
    let Some(mut after) = after else { return Ok(service.change_number(room).await) };
    loop {
        let (changed, upto) = match service.changes_after(caller.who, room, after, BACKFILL_PAGE).await {
            Ok(page) => page,
            Err(error) => return Ok(Err(error)),
        };
        let done = changed.is_empty() || upto == after;
        for message in changed {
            replies.reply(&ServerEvent::MessageChanged { message }).await?;
        }
        after = upto;
        if done {
            return Ok(Ok(after));
        }
    }
}

async fn send_message<R: Replies>(
    service: &ChatService,
    caller: Caller<'_>,
    frame: SendMessageFrame,
    replies: &mut R,
) -> Result<(), R::Closed> {
    let room = frame.room.unwrap_or_else(|| LOBBY_ROOM_ID.to_string());
    // The wscat tutorial frame has no client_id; such sends still get an
    // ack, they are just not idempotent.
    let client_id = frame.client_id.unwrap_or_else(|| service.new_client_id());
    let request = SendRequest { client_id: client_id.clone(), text: frame.text, image_key: frame.image_key, reply_to: frame.reply_to };
    let event = match service.send(caller.who, &room, request).await {
        Ok(sent) => {
            let message = sent.message;
            ServerEvent::Ack { client_id, id: message.id, room: message.room, seq: message.seq }
        }
        Err(error) => ServerEvent::error(error, Some(client_id)),
    };
    replies.reply(&event).await
}
