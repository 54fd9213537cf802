//! The gateway's own HTTP test function: a real lambda_http binary (as the
//! product's http-api is) answering every request with what API Gateway
//! handed it, so tests can check the gateway's payload 2.0 events: method,
//! path, query, body, and the JWT authorizer's claims. `/api/status/<n>`
//! answers with status n; `/api/panic` panics.

use lambda_http::request::RequestContext;
use lambda_http::{service_fn, Body, Error, Request, RequestExt, Response};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(handle)).await
}

async fn handle(request: Request) -> Result<Response<Body>, Error> {
    let path = request.uri().path().to_owned();
    if path == "/api/panic" {
        panic!("the test function was asked to panic");
    }
    let status = path.strip_prefix("/api/status/").and_then(|s| s.parse::<u16>().ok()).unwrap_or(200);
    let claims = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => {
            context.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).map(|jwt| json!(jwt.claims))
        }
        _ => None,
    };
    let query: std::collections::BTreeMap<String, String> = request
        .query_string_parameters_ref()
        .map(|q| q.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
        .unwrap_or_default();
    let body = match request.body() {
        Body::Text(text) => json!(text),
        Body::Binary(bytes) => json!({"binary_len": bytes.len()}),
        _ => json!(null),
    };
    let answer = json!({"method": request.method().as_str(), "path": path, "query": query, "body": body, "claims": claims});
    Ok(Response::builder().status(status).header("content-type", "application/json").body(Body::Text(answer.to_string()))?)
}
