//! The events the gateway sends functions, against events in the shape API
//! Gateway documents (tests/fixtures, written after AWS's documented
//! examples): every field of the real event is there with the same JSON
//! type, and the events parse with aws_lambda_events' types (and, for the
//! HTTP API, as lambda_http's payload 2.0 request) as the handlers will.

use std::collections::BTreeMap;

use axum::body::Bytes;
use moodchat_local_gateway::http_api::http_event;
use moodchat_local_gateway::template::HttpRoute;
use moodchat_local_gateway::websocket::events::{self, ConnectionContext, UpgradeRequest};
use serde_json::{Map, Value};

/// Maps whose keys are data (header names, query names, claims), not fields.
const DATA_MAPS: [&str; 7] =
    ["headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters", "stageVariables", "pathParameters", "claims"];

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every field of `real` is in `ours`, with the same type, recursively.
fn assert_same_shape(real: &Map<String, Value>, ours: &Map<String, Value>, at: &str) {
    for (key, real_value) in real {
        let path = format!("{at}.{key}");
        let ours_value = ours.get(key).unwrap_or_else(|| panic!("{path} is missing from the gateway's event"));
        if real_value.is_null() {
            continue;
        }
        assert_eq!(kind(ours_value), kind(real_value), "{path} has another type");
        if let (Value::Object(real), Value::Object(ours)) = (real_value, ours_value) {
            if !DATA_MAPS.contains(&key.as_str()) && key != "authorizer" {
                assert_same_shape(real, ours, &path);
            }
        }
    }
}

fn object(value: &Value) -> &Map<String, Value> {
    value.as_object().unwrap()
}

fn context() -> ConnectionContext {
    ConnectionContext {
        api_id: "websocketapi".into(),
        stage: "prod".into(),
        domain_name: "127.0.0.1:4510".into(),
        connection_id: moodchat_local_gateway::websocket::new_id(),
        connected_at: 1_707_503_007_396,
        source_ip: "127.0.0.1".into(),
        user_agent: Some("test".into()),
    }
}

fn upgrade() -> UpgradeRequest {
    UpgradeRequest {
        headers: vec![("host".into(), "127.0.0.1:4510".into()), ("sec-websocket-version".into(), "13".into())],
        query: vec![("token".into(), "eyJ".into())],
    }
}

#[test]
fn websocket_events_have_api_gateways_shape() {
    let context = context();
    let mut authorizer = Map::new();
    authorizer.insert("principalId".into(), "u".into());
    authorizer.insert("integrationLatency".into(), 3.into());
    authorizer.insert("sub".into(), "u".into());
    let connect = events::connect_event(&context, &upgrade(), Some(&authorizer), 1_707_503_007_400, "r1");
    assert_same_shape(object(&fixture("websocket-connect.json")), object(&connect), "connect");
    let message = events::message_event(&context, "$default", r#"{"action":"ping"}"#, false, 1_707_503_010_000, "r2");
    assert_same_shape(object(&fixture("websocket-message.json")), object(&message), "message");
    let disconnect = events::disconnect_event(&context, 1001, "Going away", 1_707_503_610_000, "r3");
    assert_same_shape(object(&fixture("websocket-disconnect.json")), object(&disconnect), "disconnect");

    for event in [&connect, &message, &disconnect] {
        let parsed: aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest = serde_json::from_value(event.clone()).unwrap();
        assert_eq!(parsed.request_context.connection_id.as_deref(), Some(context.connection_id.as_str()));
        assert_eq!(parsed.request_context.connected_at, context.connected_at);
    }
    let parsed: aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest = serde_json::from_value(connect).unwrap();
    assert_eq!(parsed.request_context.authorizer.fields["sub"], "u");
    assert_eq!(parsed.query_string_parameters.first("token"), Some("eyJ"));
}

#[test]
fn the_authorizer_event_has_api_gateways_shape() {
    let context = context();
    let method_arn = context.method_arn("us-east-1", "123456789012", "$connect");
    assert_eq!(method_arn, "arn:aws:execute-api:us-east-1:123456789012:websocketapi/prod/$connect");
    let event = events::authorizer_event(&context, &upgrade(), &method_arn, 1_674_162_806_345, "r");
    assert_same_shape(object(&fixture("websocket-authorizer.json")), object(&event), "authorizer");
    let parsed: aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest = serde_json::from_value(event).unwrap();
    assert_eq!(parsed.method_arn.as_deref(), Some(method_arn.as_str()));
    assert_eq!(parsed.query_string_parameters.first("token"), Some("eyJ"));
}

#[test]
fn http_events_have_payload_2_shape_and_lambda_http_reads_them() {
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/rooms/lobby/messages?after=abc&limit=5")
        .header("host", "127.0.0.1:4510")
        .header("authorization", "eyJ")
        .header("content-type", "application/json")
        .header("user-agent", "test")
        .body(())
        .unwrap();
    let (parts, ()) = request.into_parts();
    let route = HttpRoute { method: "ANY".into(), path: "/api/{proxy+}".into(), function: "HttpApiFunction".into(), authorized: true };
    let claims = BTreeMap::from([("sub".to_owned(), "7c1e".to_owned()), ("token_use".to_owned(), "id".to_owned())]);
    let parameters = vec![("proxy".to_owned(), "rooms/lobby/messages".to_owned())];
    let body = Bytes::from_static(br#"{"client_id":"c1","text":"hi"}"#);
    let event = http_event(&parts, &body, &route, &parameters, Some(&claims), "httpapi", "123456789012");
    assert_same_shape(object(&fixture("http-jwt.json")), object(&event), "http");
    assert_eq!(event["routeKey"], "ANY /api/{proxy+}");
    assert_eq!(event["body"], r#"{"client_id":"c1","text":"hi"}"#);

    let parsed: aws_lambda_events::apigw::ApiGatewayV2httpRequest = serde_json::from_value(event.clone()).unwrap();
    assert_eq!(parsed.request_context.http.method.as_str(), "POST");
    assert_eq!(parsed.request_context.authorizer.unwrap().jwt.unwrap().claims["sub"], "7c1e");
    let request: lambda_http::request::LambdaRequest = serde_json::from_value(event).unwrap();
    assert!(matches!(request, lambda_http::request::LambdaRequest::ApiGatewayV2(_)), "lambda_http sees payload 2.0");
}

#[test]
fn binary_http_bodies_are_base64() {
    let request = axum::http::Request::builder().method("PUT").uri("/api/x").header("content-type", "image/png").body(()).unwrap();
    let (parts, ()) = request.into_parts();
    let route = HttpRoute { method: "ANY".into(), path: "/api/{proxy+}".into(), function: "F".into(), authorized: false };
    let event = http_event(&parts, &Bytes::from_static(&[0x89, b'P', b'N', b'G']), &route, &[], None, "a", "1");
    assert_eq!(event["isBase64Encoded"], true);
    assert_eq!(event["body"], "iVBORw==");
    assert!(event["requestContext"].get("authorizer").is_none());
}
