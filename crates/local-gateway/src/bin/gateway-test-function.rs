//! The gateway's own test function: a real lambda_runtime binary that its
//! tests run through the gateway in place of moodchat's handlers, to check
//! what the gateway does (authorizer policies, `$connect` answers, routing,
//! the `@connections` API through the real SDK client, crashes). It is not a
//! stand-in for those handlers and knows nothing of the chat.
//!
//! Authorizer: `?token=good` is allowed (context `sub`), `deny` gets a Deny
//! policy, anything else is "Unauthorized". `$connect` with `?token=good&refuse=1`
//! answers 403. Frames: `{"action": "echo", ...}` posts the event's route and
//! authorizer back to the connection; `panic` panics; `exit` exits the process;
//! `gone` posts to a connection that does not exist and reports the error;
//! `pid` reports the process id. A direct invocation answers `{"pid"}`.

use aws_sdk_apigatewaymanagement::config::{Credentials, Region};
use aws_sdk_apigatewaymanagement::primitives::Blob;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let event = event.payload;
    if event.get("type").and_then(Value::as_str) == Some("REQUEST") {
        return authorize(&event);
    }
    match event.pointer("/requestContext/eventType").and_then(Value::as_str) {
        Some("CONNECT") => {
            let refuse = event.pointer("/queryStringParameters/refuse").is_some();
            Ok(json!({"statusCode": if refuse { 403 } else { 200 }}))
        }
        Some("DISCONNECT") => Ok(json!({"statusCode": 200})),
        Some("MESSAGE") => message(&event).await,
        // A direct invocation; `{"exit": true}` ends the process (the
        // benchmark's way to force the next invocation to start cold).
        _ if event.get("exit").is_some() => std::process::exit(0),
        _ => Ok(json!({"pid": std::process::id()})),
    }
}

fn authorize(event: &Value) -> Result<Value, Error> {
    let method_arn = event.get("methodArn").and_then(Value::as_str).unwrap_or_default();
    let effect = match event.pointer("/queryStringParameters/token").and_then(Value::as_str) {
        Some("good") => "Allow",
        Some("deny") => "Deny",
        _ => return Err("Unauthorized".into()),
    };
    Ok(json!({
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}]},
        "context": {"sub": "user-1", "nested": {"dropped": true}}
    }))
}

async fn message(event: &Value) -> Result<Value, Error> {
    let connection = event.pointer("/requestContext/connectionId").and_then(Value::as_str).unwrap_or_default().to_owned();
    let body: Value = serde_json::from_str(event.get("body").and_then(Value::as_str).unwrap_or("{}")).unwrap_or(Value::Null);
    let reply = match body.get("action").and_then(Value::as_str) {
        Some("panic") => panic!("the test function was asked to panic"),
        Some("exit") => std::process::exit(3),
        Some("pid") => json!({"pid": std::process::id()}),
        Some("gone") => {
            let error = post(&format!("{connection}x"), "nobody").await.expect_err("a connection that never existed");
            json!({"gone": error})
        }
        _ => json!({
            "echo": body,
            "routeKey": event.pointer("/requestContext/routeKey"),
            "authorizer": event.pointer("/requestContext/authorizer"),
        }),
    };
    post(&connection, &reply.to_string()).await.map_err(Error::from)?;
    Ok(json!({"statusCode": 200}))
}

/// PostToConnection through the real SDK client, at MOODCHAT_WS_ENDPOINT
/// (the template's `https://<api>.execute-api.<region>.amazonaws.com/<stage>`,
/// which the gateway rewrites to itself).
async fn post(connection: &str, data: &str) -> Result<(), String> {
    let variable = |name: &str| std::env::var(name).unwrap_or_default();
    let config = aws_sdk_apigatewaymanagement::Config::builder()
        .behavior_version_latest()
        .region(Region::new(variable("AWS_REGION")))
        .endpoint_url(variable("MOODCHAT_WS_ENDPOINT"))
        .credentials_provider(Credentials::new(variable("AWS_ACCESS_KEY_ID"), variable("AWS_SECRET_ACCESS_KEY"), None, None, "environment"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    let client = aws_sdk_apigatewaymanagement::Client::from_conf(config);
    match client.post_to_connection().connection_id(connection).data(Blob::new(data.as_bytes())).send().await {
        Ok(_) => Ok(()),
        Err(error) => Err(match error.into_service_error() {
            aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError::GoneException(_) => "GoneException".to_owned(),
            other => format!("{other:?}"),
        }),
    }
}
