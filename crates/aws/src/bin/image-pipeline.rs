//! `image-pipeline`: an S3 ObjectCreated event under `uploads/`, or a
//! direct invocation `{"key": ...}` answered with the image's record
//! (docs/aws.md, "The functions"; `moodchat_aws::pipeline`).

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use moodchat_aws::functions::init_logging;
use moodchat_aws::pipeline::Pipeline;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let pipeline = Arc::new(Pipeline::from_env().map_err(|error| error.message)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let pipeline = pipeline.clone();
        async move {
            pipeline.handle(&event.payload).await.map_err(|error| {
                // Only AWS failing gets here (bad uploads are answered): the
                // invocation fails, and S3's asynchronous one is retried.
                Error::from(format!("{:?}: {}", error.code, error.message))
            })
        }
    }))
    .await
}
