//! The HTTP API's function (docs/aws.md, "The functions"): payload 2.0
//! events of `ANY /api/{proxy+}` served by the REST router of crates/http-api
//! through lambda_http, on this crate's adapters: the table's store,
//! connections and rate counters, the management API (a REST send reaches
//! the room's WebSocket clients), S3 presigning for upload tickets.
//!
//! API Gateway's JWT authorizer has checked the id token before the event
//! arrives; the router verifies it again with the WebSocket authorizer's
//! verifier and configuration (the same `moodchat_jwks::JwksVerifier`), as
//! the embedded server does: who the caller is comes from the token, never
//! from a claim a misconfigured route could leave unchecked.

use std::sync::Arc;

use lambda_http::Error;
use moodchat_aws::functions::{http, init_logging, required, Chat};
use moodchat_http_api::ApiState;
use moodchat_jwks::JwksVerifier;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    // Pushes are awaited within the request (each gives up after 3 s): the
    // response cannot leave before the invocation ends anyway, and nothing
    // may run once Lambda freezes the instance.
    let chat = Chat::from_env(false)?;
    // A REST-only user (polling mode) joins the lobby too, as ws-connect
    // makes sure of it for WebSocket users.
    chat.store.ensure_lobby(chat.service.now_ms()).await.map_err(|e| format!("the lobby: {}", e.message))?;
    let verifier = JwksVerifier::from_url(
        required("MOODCHAT_COGNITO_JWKS_URL")?,
        required("MOODCHAT_COGNITO_ISSUER")?,
        required("MOODCHAT_COGNITO_CLIENT_ID")?,
    )
    .await?;
    let state = ApiState::new(Arc::new(chat.service), Arc::new(verifier));
    lambda_http::run(http::app(moodchat_http_api::router(state))).await
}
