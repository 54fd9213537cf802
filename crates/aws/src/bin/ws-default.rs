//! `$default`: one client frame (docs/protocol.md, "Client -> server") run
//! through the shared frame engine (`moodchat_core::edge::handle_text`).
//! Who is speaking comes from the connection's item (the authorizer's
//! context reaches `$connect` only); replies go back with
//! `PostToConnection`, events to others through the pusher, in the
//! background: a slow connection never delays the sender's `ack`.

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use moodchat_aws::functions::replies::PostReplies;
use moodchat_aws::functions::{init_logging, status, Chat};
use moodchat_core::edge::{handle_text, Caller, Replies};
use moodchat_core::ports::ConnectionId;
use moodchat_protocol::ServerEvent;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let chat = Arc::new(Chat::from_env(true)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| {
        let chat = chat.clone();
        async move { Ok::<Value, Error>(frame(&chat, event.payload).await) }
    }))
    .await
}

async fn frame(chat: &Chat, event: ApiGatewayWebsocketProxyRequest) -> Value {
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
    // The frame rate is charged by the engine through the service's rate
    // limiter: the table's counters, which every instance shares.
    let caller = Caller { who: &who, connection: &connection };
    let _ = handle_text(&chat.service, caller, &text, &mut replies).await;
    // The replies are out; the events to others finish before Lambda freezes us.
    chat.settle().await;
    status(200)
}
