//! The local serverless stack's gateway: runs infra/template.yaml on one
//! machine. It does what API Gateway and Lambda do for moodchat's handlers
//! (WebSocket connections with the `$connect` authorizer, frames routed by
//! `action`, the `@connections` management API, HTTP API v2 events behind
//! the JWT authorizer, S3 event notifications, the Lambda Runtime and Invoke
//! APIs) and hosts the embedded identity provider as the Cognito stand-in;
//! DynamoDB Local and moto (S3, SNS) run beside it. README and docs/aws.md
//! say what it emulates and what it does not.

pub mod http_api;
pub mod lambda;
pub mod provision;
pub mod s3_events;
pub mod server;
pub mod services;
pub mod site;
pub mod template;
pub mod websocket;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// A request id in the shape AWS uses (a UUID).
pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
