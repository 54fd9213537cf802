//! HTTP API payload format 2.0 events, in the shape API Gateway sends them.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::request::Parts;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::template::HttpRoute;
use crate::websocket::events::request_time;

/// Bodies API Gateway passes as text; everything else is base64.
fn is_text(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else { return true };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence.starts_with("text/") || essence.ends_with("json") || essence.ends_with("xml") || essence == "application/x-www-form-urlencoded" || essence == "application/javascript"
}

pub fn http_event(
    parts: &Parts,
    body: &Bytes,
    route: &HttpRoute,
    path_parameters: &[(String, String)],
    claims: Option<&BTreeMap<String, String>>,
    api_id: &str,
    account_id: &str,
) -> Value {
    let now = crate::now_ms();
    let request_id = crate::request_id();
    // Headers lower-cased; repeated ones joined with commas; cookies apart.
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let Ok(value) = value.to_str() else { continue };
        if name == "cookie" {
            cookies.extend(value.split(';').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()));
            continue;
        }
        headers.entry(name.as_str().to_owned()).and_modify(|v| *v = format!("{v},{value}")).or_insert_with(|| value.to_owned());
    }
    let raw_query = parts.uri.query().unwrap_or_default();
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in crate::websocket::url_pairs(raw_query) {
        query.entry(name).and_modify(|v| *v = format!("{v},{value}")).or_insert(value);
    }
    let host = headers.get("host").cloned().unwrap_or_default();
    let content_type = headers.get("content-type").map(String::as_str);
    let (body, is_base64) = if body.is_empty() {
        (None, false)
    } else if is_text(content_type) && std::str::from_utf8(body).is_ok() {
        (Some(String::from_utf8_lossy(body).into_owned()), false)
    } else {
        (Some(base64::engine::general_purpose::STANDARD.encode(body)), true)
    };
    let route_key = format!("{} {}", route.method, route.path);
    let mut request_context = json!({
        "accountId": account_id,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": host.split('.').next().unwrap_or_default(),
        "http": {
            "method": parts.method.as_str(),
            "path": parts.uri.path(),
            "protocol": format!("{:?}", parts.version),
            "sourceIp": headers.get("x-forwarded-for").cloned().unwrap_or_else(|| "127.0.0.1".into()),
            "userAgent": headers.get("user-agent").cloned().unwrap_or_default(),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": request_time(now),
        "timeEpoch": now,
    });
    if let Some(claims) = claims {
        request_context["authorizer"] = json!({"jwt": {"claims": claims, "scopes": null}});
    }
    let mut event = Map::new();
    event.insert("version".into(), "2.0".into());
    event.insert("routeKey".into(), route_key.into());
    event.insert("rawPath".into(), parts.uri.path().into());
    event.insert("rawQueryString".into(), raw_query.into());
    if !cookies.is_empty() {
        event.insert("cookies".into(), json!(cookies));
    }
    event.insert("headers".into(), json!(headers));
    if !query.is_empty() {
        event.insert("queryStringParameters".into(), json!(query));
    }
    if !path_parameters.is_empty() {
        let parameters: BTreeMap<_, _> = path_parameters.iter().cloned().collect();
        event.insert("pathParameters".into(), json!(parameters));
    }
    event.insert("requestContext".into(), request_context);
    if let Some(body) = body {
        event.insert("body".into(), body.into());
    }
    event.insert("isBase64Encoded".into(), is_base64.into());
    Value::Object(event)
}
