//! The adapters and functions of crates/aws against DynamoDB Local (and,
//! for the functions, the local gateway): one test binary, so the AWS SDK
//! is linked once and one DynamoDB Local serves every test (each test has a
//! table of its own).

mod support;

mod comprehend;
mod connection_contract;
mod gateway;
mod http_api;
mod pipeline;
mod reactions;
mod presigned;
mod push;
mod rate;
mod s3;
mod store_contract;
mod store_users;
