//! The events API Gateway sends a WebSocket API's Lambda functions, in the
//! shape it sends them (the field set and names of AWS's documented
//! examples; tests/event_shapes.rs compares them with such examples and
//! parses them with aws_lambda_events).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use time::format_description::FormatItem;
use time::macros::format_description;

/// `13/Jun/2022:06:56:57 +0000`, API Gateway's `requestTime`.
const REQUEST_TIME: &[FormatItem<'static>] =
    format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");

pub fn request_time(epoch_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(epoch_ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(REQUEST_TIME).ok())
        .unwrap_or_default()
}

/// What every event of one connection has in common.
#[derive(Clone, Debug)]
pub struct ConnectionContext {
    pub api_id: String,
    pub stage: String,
    /// `host:port` the client connected to (API Gateway: the API's domain).
    pub domain_name: String,
    pub connection_id: String,
    pub connected_at: i64,
    pub source_ip: String,
    pub user_agent: Option<String>,
}

impl ConnectionContext {
    fn request_context(&self, route_key: &str, event_type: &str, now_ms: i64, request_id: &str) -> Map<String, Value> {
        let mut identity = Map::new();
        identity.insert("sourceIp".into(), self.source_ip.clone().into());
        if let Some(agent) = &self.user_agent {
            identity.insert("userAgent".into(), agent.clone().into());
        }
        let context = json!({
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": request_id,
            "requestTime": request_time(now_ms),
            "messageDirection": "IN",
            "stage": self.stage,
            "connectedAt": self.connected_at,
            "requestTimeEpoch": now_ms,
            "identity": identity,
            "requestId": request_id,
            "domainName": self.domain_name,
            "connectionId": self.connection_id,
            "apiId": self.api_id,
        });
        match context {
            Value::Object(map) => map,
            _ => unreachable!("json! of an object"),
        }
    }

    /// `arn:aws:execute-api:<region>:<account>:<api>/<stage>/$connect`
    pub fn method_arn(&self, region: &str, account_id: &str, route_key: &str) -> String {
        format!("arn:aws:execute-api:{region}:{account_id}:{}/{}/{route_key}", self.api_id, self.stage)
    }
}

/// The upgrade request's headers and query, as `$connect` events carry them.
#[derive(Clone, Debug, Default)]
pub struct UpgradeRequest {
    /// In arrival order; repeated names are kept.
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
}

impl UpgradeRequest {
    /// `{"name": "last value"}` and `{"name": ["every", "value"]}`.
    fn single_and_multi(pairs: &[(String, String)]) -> (Value, Value) {
        let mut multi: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, value) in pairs {
            multi.entry(name).or_default().push(value);
        }
        let single: Map<String, Value> = multi.iter().map(|(k, v)| (k.to_string(), Value::from(*v.last().unwrap_or(&"")))).collect();
        let multi: Map<String, Value> = multi.into_iter().map(|(k, v)| (k.to_owned(), json!(v))).collect();
        (Value::Object(single), Value::Object(multi))
    }

    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The REQUEST authorizer's input on `$connect`.
pub fn authorizer_event(context: &ConnectionContext, request: &UpgradeRequest, method_arn: &str, now_ms: i64, request_id: &str) -> Value {
    let (headers, multi_headers) = UpgradeRequest::single_and_multi(&request.headers);
    let (query, multi_query) = UpgradeRequest::single_and_multi(&request.query);
    json!({
        "type": "REQUEST",
        "methodArn": method_arn,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "stageVariables": {},
        "requestContext": context.request_context("$connect", "CONNECT", now_ms, request_id),
    })
}

/// `$connect`: the upgrade request and what the authorizer returned
/// (`principalId` and its `context`), as `requestContext.authorizer`.
pub fn connect_event(
    context: &ConnectionContext,
    request: &UpgradeRequest,
    authorizer: Option<&Map<String, Value>>,
    now_ms: i64,
    request_id: &str,
) -> Value {
    let (headers, multi_headers) = UpgradeRequest::single_and_multi(&request.headers);
    let (query, multi_query) = UpgradeRequest::single_and_multi(&request.query);
    let mut request_context = context.request_context("$connect", "CONNECT", now_ms, request_id);
    if let Some(authorizer) = authorizer {
        request_context.insert("authorizer".into(), Value::Object(authorizer.clone()));
    }
    json!({
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "requestContext": request_context,
        "isBase64Encoded": false,
    })
}

/// A client frame routed to `route_key` (`$default` or an action's route).
pub fn message_event(context: &ConnectionContext, route_key: &str, body: &str, is_base64: bool, now_ms: i64, request_id: &str) -> Value {
    let mut request_context = context.request_context(route_key, "MESSAGE", now_ms, request_id);
    request_context.insert("messageId".into(), Value::String(super::new_id()));
    json!({"requestContext": request_context, "body": body, "isBase64Encoded": is_base64})
}

/// `$disconnect`, with the close code and reason.
pub fn disconnect_event(context: &ConnectionContext, status_code: u16, reason: &str, now_ms: i64, request_id: &str) -> Value {
    let mut request_context = context.request_context("$disconnect", "DISCONNECT", now_ms, request_id);
    request_context.insert("disconnectStatusCode".into(), status_code.into());
    request_context.insert("disconnectReason".into(), reason.into());
    json!({
        "headers": {"Host": context.domain_name},
        "multiValueHeaders": {"Host": [context.domain_name]},
        "requestContext": request_context,
        "isBase64Encoded": false,
    })
}

/// What API Gateway sends the client when the route's integration failed
/// (or no route matched: `Forbidden`).
pub fn error_frame(message: &str, connection_id: &str, request_id: &str) -> String {
    json!({"message": message, "connectionId": connection_id, "requestId": request_id}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_time_is_api_gateways_format() {
        assert_eq!(request_time(1_655_103_417_249), "13/Jun/2022:06:56:57 +0000");
    }
}
