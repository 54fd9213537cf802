//! What the Lambda functions share: their configuration from the
//! environment, the chat service on this crate's adapters (built once per
//! instance, reused while it is warm), and reading API Gateway's WebSocket
//! events.

pub mod authorizer;
pub mod http;
pub mod images;
pub mod mood;
pub mod replies;

use std::sync::Arc;

use moodchat_core::ports::{ConnectionId, SystemClock, TaskSpawner};
use moodchat_core::rate_limit::RateLimits;
use moodchat_core::ChatService;
use serde_json::Value;

use crate::dynamo::rate::TableRateLimiter;
use crate::sdk::Environment;
use crate::{DynamoConnections, DynamoStore, ManagementApiPusher, Table};

/// A required environment variable, or the function fails to start (which
/// Lambda reports as an init error: better than answering wrongly).
pub fn required(name: &str) -> Result<String, lambda_runtime::Error> {
    std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or_else(|| format!("{name} is not set").into())
}

/// Logs to CloudWatch as text, at `RUST_LOG` (info by default).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).without_time().try_init();
}

/// Runs work on the runtime; a Lambda handler awaits what it needs (the
/// send waits for its commit, which publishes before it answers).
pub struct TokioSpawner;

impl TaskSpawner for TokioSpawner {
    fn spawn(&self, task: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'static>>) {
        tokio::spawn(task);
    }
}

/// The adapters of one function instance.
pub struct Chat {
    pub service: ChatService,
    pub store: DynamoStore,
    pub connections: DynamoConnections,
    pub pusher: ManagementApiPusher,
}

impl Chat {
    /// From `MOODCHAT_TABLE_NAME`, `MOODCHAT_WS_ENDPOINT`, the images'
    /// variables (`images::ports_from_env`) and the SDK's environment
    /// (`AWS_ENDPOINT_URL_DYNAMODB`, `_S3` for the local stack). With
    /// `deferred_pushes`, events to others are posted in the background and
    /// `settle` must run before the invocation ends.
    pub fn from_env(deferred_pushes: bool) -> Result<Self, lambda_runtime::Error> {
        let environment = Environment::from_env();
        let dynamodb = environment.dynamodb(Environment::endpoint_override("DYNAMODB").as_deref());
        let table = Table::new(dynamodb, required("MOODCHAT_TABLE_NAME")?);
        let store = DynamoStore::new(table.clone());
        // Counted in the table, where every instance sees them (docs/aws.md,
        // "rate limits"); in memory each instance would count alone.
        let rates = TableRateLimiter::new(table.clone(), RateLimits::default(), Arc::new(SystemClock));
        let images = images::ports_from_env(&environment, &table)?;
        let connections = DynamoConnections::new(table, Arc::new(SystemClock));
        // Without an endpoint (ws-connect) nothing is ever pushed.
        let endpoint = std::env::var("MOODCHAT_WS_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:9".into());
        let mut pusher = ManagementApiPusher::new(environment.management_api(&endpoint), connections.clone());
        if deferred_pushes {
            pusher = pusher.deferring();
        }
        let mut service = ChatService::builder(
            Arc::new(store.clone()),
            Arc::new(connections.clone()),
            Arc::new(pusher.clone()),
            Arc::new(TokioSpawner),
        )
        .sentiment(mood::provider_from_env(&environment)?)
        .rate_limiter(Arc::new(rates));
        if let Some(images) = images {
            service = service.images(images);
        }
        let service = service.build();
        Ok(Self { service, store, connections, pusher })
    }
}

impl Chat {
    /// Waits for the background pushes and disconnects the connections they
    /// found gone (which announces presence, which may find more).
    pub async fn settle(&self) {
        loop {
            let gone = self.pusher.settle().await;
            if gone.is_empty() {
                return;
            }
            for connection in gone {
                if let Err(error) = self.service.disconnect(&connection).await {
                    tracing::warn!(?error, "a gone connection could not be forgotten");
                }
            }
        }
    }
}

/// `requestContext.connectionId` of a WebSocket event.
pub fn connection_id(event: &Value) -> Option<ConnectionId> {
    event.pointer("/requestContext/connectionId").and_then(Value::as_str).map(|id| ConnectionId(id.to_owned()))
}

/// The answer API Gateway expects from a route's integration.
pub fn status(code: u16) -> Value {
    serde_json::json!({ "statusCode": code })
}
