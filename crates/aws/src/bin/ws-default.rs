//! `$default`: one client frame (docs/protocol.md, "Client -> server") run
//! through the shared frame engine (`moodchat_core::edge::handle_text`).
//! Who is speaking comes from the connection's item (the authorizer's
//! context reaches `$connect` only); replies go back with
//! `PostToConnection`, events to others through the pusher, in the
//! background: a slow connection never delays the sender's `ack`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use moodchat_aws::functions::replies::PostReplies;
use moodchat_aws::functions::{init_logging, status, Chat};
use moodchat_core::edge::{handle_text, Caller, Replies};
use moodchat_core::ports::ConnectionId;
use moodchat_core::rate_limit::{RateLimit, TokenBucket};
use moodchat_protocol::ServerEvent;
use serde_json::Value;

/// Frame budgets of the connections this instance has served. Per instance:
/// concurrent instances each hold their own, so the limit is per connection
/// and instance (the table-backed counter of docs/aws.md is not built yet).
type Budgets = Mutex<HashMap<ConnectionId, TokenBucket>>;

/// Budgets kept before the map is emptied (an instance lives for hours).
const BUDGETS_KEPT: usize = 10_000;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let chat = Arc::new(Chat::from_env(true)?);
    let budgets: Arc<Budgets> = Arc::default();
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
        let (chat, budgets) = (chat.clone(), budgets.clone());
        async move { Ok::<Value, Error>(frame(&chat, &budgets, event.payload).await) }
    }))
    .await
}

async fn frame(chat: &Chat, budgets: &Budgets, event: ApiGatewayWebsocketProxyRequest) -> Value {
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
    let now = chat.service.now_ms();
    let mut budget = {
        let mut budgets = budgets.lock().unwrap_or_else(|p| p.into_inner());
        if budgets.len() > BUDGETS_KEPT {
            budgets.clear();
        }
        budgets.remove(&connection).unwrap_or_else(|| TokenBucket::new(RateLimit::WS_FRAMES, now))
    };
    let caller = Caller { who: &who, connection: &connection };
    let _ = handle_text(&chat.service, caller, &mut budget, &text, &mut replies).await;
    budgets.lock().unwrap_or_else(|p| p.into_inner()).insert(connection, budget);
    // The replies are out; the events to others finish before Lambda freezes us.
    chat.settle().await;
    status(200)
}
