//! The runtime configuration the SPA fetches from `/config.json` at start.
//!
//! The same static bundle runs against the embedded server and against AWS;
//! only this document differs. URLs may be relative (`/api`): the SPA resolves
//! them against its own origin, which keeps the embedded server correct behind
//! `trunk serve`'s proxy or any reverse proxy.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeConfig {
    /// Base URL of the REST API, e.g. `/api` or `https://abc.execute-api.eu-west-1.amazonaws.com`.
    pub api_url: String,
    /// WebSocket URL, e.g. `/api/ws` or `wss://abc.execute-api.eu-west-1.amazonaws.com/prod`.
    pub ws_url: String,
    /// How the SPA receives messages.
    #[serde(default)]
    pub transport: Transport,
    /// The server closes a WebSocket after this many seconds without a
    /// frame from the client; the SPA pings well within it. Absent means the
    /// documented default (10 minutes, API Gateway's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ws_idle_timeout_secs: Option<u64>,
    /// Whether `GET /api/search` is offered (the embedded server's SQLite
    /// index); absent means no, so the app hides its search control on a
    /// home without an index.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub search: bool,
    pub cognito: CognitoConfig,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CognitoConfig {
    pub region: String,
    pub user_pool_id: String,
    pub client_id: String,
    /// Endpoint override for a Cognito-compatible identity provider (the
    /// embedded server's). Absent for real Amazon Cognito, whose endpoint is
    /// derived from the region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

impl CognitoConfig {
    /// The URL that Cognito IdP JSON requests are POSTed to.
    pub fn endpoint_url(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => format!("https://cognito-idp.{}.amazonaws.com/", self.region),
        }
    }
}

/// `websocket` always, `polling` always, or `auto`: WebSocket first and
/// polling when WebSockets fail (blocked by a proxy, say).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Websocket,
    Polling,
    #[default]
    Auto,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shape() {
        let json = r#"{"api_url":"/api","ws_url":"/api/ws","transport":"auto",
            "cognito":{"region":"local","user_pool_id":"local_moodchat","client_id":"web","endpoint":"/idp"}}"#;
        let config: RuntimeConfig = serde_json::from_str(json).unwrap();
        assert_eq!(config.transport, Transport::Auto);
        assert_eq!(config.cognito.endpoint_url(), "/idp");
        assert!(!config.search, "a home that does not say it offers search does not");
        let with_search = json.replace("\"transport\"", "\"search\":true,\"transport\"");
        assert!(serde_json::from_str::<RuntimeConfig>(&with_search).unwrap().search);
    }

    #[test]
    fn real_cognito_has_no_endpoint_and_derives_it_from_the_region() {
        let json = r#"{"api_url":"https://x","ws_url":"wss://y","transport":"polling",
            "cognito":{"region":"eu-west-1","user_pool_id":"eu-west-1_abc","client_id":"c"}}"#;
        let config: RuntimeConfig = serde_json::from_str(json).unwrap();
        assert_eq!(config.transport, Transport::Polling);
        assert_eq!(config.cognito.endpoint_url(), "https://cognito-idp.eu-west-1.amazonaws.com/");
        let back = serde_json::to_string(&config).unwrap();
        assert!(!back.contains("endpoint"), "absent endpoint must stay absent: {back}");
    }

    #[test]
    fn transport_defaults_to_auto_and_rejects_unknown_values() {
        let json = r#"{"api_url":"/api","ws_url":"/ws","cognito":{"region":"r","user_pool_id":"p","client_id":"c"}}"#;
        let config: RuntimeConfig = serde_json::from_str(json).unwrap();
        assert_eq!(config.transport, Transport::Auto);
        let bad = json.replace("\"cognito\"", "\"transport\":\"carrier-pigeon\",\"cognito\"");
        assert!(serde_json::from_str::<RuntimeConfig>(&bad).is_err());
    }
}
