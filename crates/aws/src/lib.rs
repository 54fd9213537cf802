//! The serverless home's adapters of the core's ports (docs/aws.md): the
//! single-table DynamoDB `MessageStore` and `ConnectionRegistry`, and the
//! API Gateway management API `Pusher`. The Lambda functions (`src/bin`)
//! drive `moodchat_core` through them; nothing here knows the embedded
//! server.

pub mod dynamo;
pub mod functions;
pub mod push;
pub mod sdk;

pub use dynamo::connections::DynamoConnections;
pub use dynamo::store::DynamoStore;
pub use dynamo::Table;
pub use push::ManagementApiPusher;
