//! The WebSocket API's `$connect` REQUEST authorizer (docs/aws.md, "The
//! functions"): the id token from `?token=`, verified against the pool's
//! JWKS; an IAM policy allowing exactly `methodArn` with the identity as
//! context, or the error `Unauthorized` (API Gateway answers 401).

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use moodchat_aws::functions::authorizer::allow;
use moodchat_aws::functions::{init_logging, required};
use moodchat_core::ports::TokenVerifier;
use moodchat_jwks::JwksVerifier;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    // Fetched once per instance (a cold start), again when a token names a
    // key we do not have (rotation).
    let verifier = JwksVerifier::from_url(
        required("MOODCHAT_COGNITO_JWKS_URL")?,
        required("MOODCHAT_COGNITO_ISSUER")?,
        required("MOODCHAT_COGNITO_CLIENT_ID")?,
    )
    .await?;
    let verifier = Arc::new(verifier);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayCustomAuthorizerRequestTypeRequest>| {
        let verifier = verifier.clone();
        async move { authorize(verifier.as_ref(), event.payload).await }
    }))
    .await
}

async fn authorize(verifier: &JwksVerifier, request: ApiGatewayCustomAuthorizerRequestTypeRequest) -> Result<Value, Error> {
    let token = request.query_string_parameters.first("token").unwrap_or_default();
    let method_arn = request.method_arn.unwrap_or_default();
    match verifier.verify_token(token).await {
        Ok(verified) => Ok(allow(&verified, &method_arn)),
        Err(why) => {
            tracing::info!(?why, "token refused");
            // API Gateway turns exactly this error message into a 401.
            Err("Unauthorized".into())
        }
    }
}
