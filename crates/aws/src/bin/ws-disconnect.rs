//! `$disconnect` (best effort: API Gateway may never send it, which is why
//! connections also expire): forgets the connection and its subscriptions
//! and tells those rooms who is still online.

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use moodchat_aws::functions::{connection_id, init_logging, status, Chat};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let chat = Arc::new(Chat::from_env(false)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let chat = chat.clone();
        async move {
            let Some(connection) = connection_id(&event.payload) else { return Ok::<Value, Error>(status(400)) };
            if let Err(error) = chat.service.disconnect(&connection).await {
                tracing::error!(?error, "the connection could not be forgotten");
                return Ok(status(500));
            }
            Ok(status(200))
        }
    }))
    .await
}
