//! The built web app and its `/config.json`, pointing at the gateway: the
//! template's Outputs (already rewritten to local URLs) named by the
//! variables of scripts/write-config.sh, plus the identity provider's
//! endpoint, which Amazon Cognito does not need.

use std::path::Path;

use axum::Router;
use serde_json::{json, Value};
use tower_http::services::{ServeDir, ServeFile};

use crate::template::Stack;

/// The runtime configuration document, as write-config.sh writes it from the
/// same variables.
pub fn config_json(stack: &Stack, idp_endpoint: &str, idle_timeout_secs: u64) -> anyhow::Result<Value> {
    let output = |variable: &str| -> anyhow::Result<String> {
        stack
            .outputs
            .iter()
            .find(|o| o.description == variable)
            .map(|o| o.value.clone())
            .ok_or_else(|| anyhow::anyhow!("the template has no output for {variable}"))
    };
    Ok(json!({
        "api_url": output("MOODCHAT_API_URL")?,
        "ws_url": output("MOODCHAT_WS_URL")?,
        "transport": "auto",
        "ws_idle_timeout_secs": idle_timeout_secs,
        "cognito": {
            "region": output("MOODCHAT_COGNITO_REGION")?,
            "user_pool_id": output("MOODCHAT_USER_POOL_ID")?,
            "client_id": output("MOODCHAT_CLIENT_ID")?,
            "endpoint": idp_endpoint,
        }
    }))
}

/// `dist/` with index.html for client-side routes, and `/config.json`.
pub fn router<S: Clone + Send + Sync + 'static>(dist: &Path, config: Value) -> Router<S> {
    let index = ServeFile::new(dist.join("index.html"));
    Router::new()
        .route("/config.json", axum::routing::get(move || async move { axum::Json(config) }))
        .fallback_service(ServeDir::new(dist).fallback(index))
}
