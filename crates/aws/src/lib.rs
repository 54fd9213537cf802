//! The serverless home's adapters of the core's ports (docs/aws.md): the
//! single-table DynamoDB `MessageStore`, `ConnectionRegistry` and
//! `ImageCatalog`, the API Gateway management API `Pusher`, and the S3
//! presigning `BlobSigner`; Amazon Comprehend as a `SentimentProvider`; the
//! image pipeline (`pipeline`: S3, the image items, SNS) on the image
//! cleaning the embedded server shares (moodchat-imaging). The Lambda
//! functions (`src/bin`) drive `moodchat_core` through them; nothing here
//! knows the embedded server.

pub mod comprehend;
pub mod dynamo;
pub mod functions;
pub mod pipeline;
pub mod push;
pub mod s3;
pub mod sdk;

pub use dynamo::connections::DynamoConnections;
pub use dynamo::store::DynamoStore;
pub use dynamo::Table;
pub use push::ManagementApiPusher;
pub use s3::S3Signer;
