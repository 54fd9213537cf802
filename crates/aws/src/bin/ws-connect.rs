//! `$connect` (docs/aws.md, "The functions"): records the user (and their
//! lobby membership) and the connection, whose identity is the authorizer's
//! context: the only event that carries it. A user with
//! `MAX_CONNECTIONS_PER_USER` live connections already is refused (429), as
//! the embedded hub refuses them.

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use moodchat_aws::functions::{connection_id, init_logging, status, Chat};
use moodchat_core::ports::Identity;
use serde_json::Value;

/// As the embedded hub's default (crates/server, `HubSettings`).
const MAX_CONNECTIONS_PER_USER: usize = 10;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let chat = Arc::new(Chat::from_env(false)?);
    chat.store.ensure_lobby(chat.service.now_ms()).await.map_err(|e| format!("the lobby: {}", e.message))?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let chat = chat.clone();
        async move { Ok::<Value, Error>(connect(&chat, &event.payload).await) }
    }))
    .await
}

/// The authorizer's context, as API Gateway hands it to `$connect`.
fn identity(event: &Value) -> Option<Identity> {
    let authorizer = event.pointer("/requestContext/authorizer")?;
    let text = |name: &str| authorizer.get(name).and_then(Value::as_str).map(str::to_owned);
    let sub = text("sub")?;
    let username = text("username").unwrap_or_else(|| sub.clone());
    Some(Identity { name: text("name").unwrap_or_else(|| username.clone()), username, sub, email: text("email") })
}

async fn connect(chat: &Chat, event: &Value) -> Value {
    let (Some(who), Some(connection)) = (identity(event), connection_id(event)) else {
        tracing::error!("a $connect without the authorizer's identity or a connection id");
        return status(401);
    };
    match chat.connections.connections_of(&who.sub).await {
        Ok(open) if open.len() >= MAX_CONNECTIONS_PER_USER => return status(429),
        Ok(_) => {}
        Err(error) => {
            tracing::error!(?error, "the user's connections could not be counted");
            return status(500);
        }
    }
    let recorded = async {
        chat.service.register(&who).await?;
        chat.service.connect(&who, &connection).await
    };
    match recorded.await {
        Ok(()) => status(200),
        Err(error) => {
            tracing::error!(?error, "the connection could not be recorded");
            status(500)
        }
    }
}
