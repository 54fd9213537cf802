//! `$default`: one client frame (docs/protocol.md, "Client -> server") run
//! through the shared frame engine (`moodchat_core::edge::handle_text`).
//! Who is speaking comes from the connection's item (the authorizer's
//! context reaches `$connect` only); replies go back with
//! `PostToConnection`, events to others through the pusher, in the
//! background: a slow connection never delays the sender's `ack`.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use moodchat_aws::functions::replies::PostReplies;
use moodchat_aws::dynamo::rate::{TableRateCounter, Window};
use moodchat_aws::functions::{init_logging, status, Chat};
use moodchat_core::edge::{handle_text, Caller, Replies};
use moodchat_core::ports::ConnectionId;
use moodchat_core::rate_limit::{RateLimit, TokenBucket};
use moodchat_protocol::ServerEvent;
use serde_json::Value;

/// Frames per connection (docs/aws.md, "rate limits"), counted in the table
/// so that every instance sees the same count.
const FRAMES: Window = Window { count: 20, window: Duration::from_secs(2) };

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let chat = Arc::new(Chat::from_env(true)?);
    let rates = Arc::new(TableRateCounter::new(chat.store.table().clone()));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
        let (chat, rates) = (chat.clone(), rates.clone());
        async move { Ok::<Value, Error>(frame(&chat, &rates, event.payload).await) }
    }))
    .await
}

async fn frame(chat: &Chat, rates: &TableRateCounter, event: ApiGatewayWebsocketProxyRequest) -> Value {
    let Some(connection) = event.request_context.connection_id.map(ConnectionId) else { return status(400) };
    let text = event.body.unwrap_or_default();
    let mut replies = PostReplies { pusher: &chat.pusher, connection: &connection };
    let who = match chat.service.identity(&connection).await {
        Ok(who) => who,
        Err(error) => {
            let _ = replies.reply(&ServerEvent::error(error, None)).await;
            return status(200);
        }
    };
    let mut budget = frame_budget(rates, &connection, chat.service.now_ms()).await;
    let caller = Caller { who: &who, connection: &connection };
    let _ = handle_text(&chat.service, caller, &mut budget, &text, &mut replies).await;
    // The replies are out; the events to others finish before Lambda freezes us.
    chat.settle().await;
    status(200)
}

/// The table decides whether this frame is within the connection's rate;
/// the frame engine gets a budget of one frame or none, and answers a frame
/// over the limit itself (`rate_limited`, with a send's client_id). If the
/// table cannot be asked, the frame goes through: a rate limit is not worth
/// refusing every frame while DynamoDB has a bad moment.
async fn frame_budget(rates: &TableRateCounter, connection: &ConnectionId, now: i64) -> TokenBucket {
    let allowed = match rates.take("frames", &connection.0, FRAMES, now).await {
        Ok(decision) => decision.is_ok(),
        Err(error) => {
            tracing::error!(?error, "the frame rate could not be counted; letting the frame through");
            true
        }
    };
    TokenBucket::new(RateLimit { burst: u32::from(allowed), per_second: 0.0 }, now)
}
