//! The HTTP API, locally: a request matching one of the template's routes
//! (`ANY /api/{proxy+}`) passes the JWT authorizer, becomes a payload 2.0
//! event, and the function's response (payload 2.0: `statusCode`, `headers`,
//! `cookies`, `body`, `isBase64Encoded`, or any other JSON as a 200) becomes
//! the HTTP response. CORS preflights are answered before any route, as API
//! Gateway does when the API has a CORS configuration.

mod events;
pub mod jwt;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Value};

use crate::lambda::{Functions, Outcome};
use crate::template::{CorsDef, HttpApiDef, HttpRoute};
pub use events::http_event;
use jwt::JwtAuthorizer;

/// API Gateway's limits: 10 MB requests, 30 s integrations.
const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;
const INTEGRATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub struct HttpApi {
    pub api: HttpApiDef,
    pub functions: Functions,
    pub authorizer: Option<JwtAuthorizer>,
    pub account_id: String,
}

impl HttpApi {
    /// The route for a request, with its path parameters: an exact path
    /// beats `{param}` segments, which beat a greedy `{proxy+}`; a method
    /// beats `ANY`.
    pub fn route(&self, method: &Method, path: &str) -> Option<(&HttpRoute, Vec<(String, String)>)> {
        let mut best: Option<(u32, &HttpRoute, Vec<(String, String)>)> = None;
        for route in &self.api.routes {
            if route.method != "ANY" && route.method != method.as_str() {
                continue;
            }
            let Some((score, parameters)) = match_path(&route.path, path) else { continue };
            let score = score * 2 + u32::from(route.method != "ANY");
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, route, parameters));
            }
        }
        best.map(|(_, route, parameters)| (route, parameters))
    }

    pub fn matches(&self, path: &str) -> bool {
        self.api.routes.iter().any(|route| match_path(&route.path, path).is_some())
    }

    pub async fn handle(self: Arc<Self>, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let origin = parts.headers.get("origin").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let cors = self.api.cors.as_ref().filter(|cors| origin.as_deref().is_some_and(|o| origin_allowed(cors, o)));
        if parts.method == Method::OPTIONS && parts.headers.contains_key("access-control-request-method") {
            if let (Some(cors), Some(origin)) = (cors, origin.as_deref()) {
                return preflight(cors, origin);
            }
        }
        let mut response = self.invoke_route(parts, body).await;
        if let (Some(_), Some(origin)) = (cors, origin) {
            if let Ok(origin) = HeaderValue::from_str(&origin) {
                response.headers_mut().insert("access-control-allow-origin", origin);
            }
        }
        response
    }

    async fn invoke_route(&self, parts: axum::http::request::Parts, body: Body) -> Response {
        let not_found = || message(StatusCode::NOT_FOUND, "Not Found");
        let Some((route, parameters)) = self.route(&parts.method, parts.uri.path()) else { return not_found() };
        let claims = if route.authorized {
            let header = parts.headers.get("authorization").and_then(|v| v.to_str().ok());
            match self.authorizer.as_ref().map(|a| a.authorize(header)) {
                Some(Ok(claims)) => Some(claims),
                Some(Err(refusal)) => {
                    let challenge = format!("Bearer scope=\"\" error=\"invalid_token\" error_description=\"{}\"", refusal.0.replace('"', "'"));
                    let mut response = message(StatusCode::UNAUTHORIZED, "Unauthorized");
                    if let Ok(value) = HeaderValue::from_str(&challenge) {
                        response.headers_mut().insert("www-authenticate", value);
                    }
                    return response;
                }
                None => return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
            }
        } else {
            None
        };
        let body = match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
            Ok(body) => body,
            Err(_) => return message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large"),
        };
        let Some(pool) = self.functions.get(&route.function) else { return not_found() };
        let event = http_event(&parts, &body, route, &parameters, claims.as_ref(), &self.api.api_id, &self.account_id);
        match tokio::time::timeout(INTEGRATION_TIMEOUT, pool.invoke(event.to_string().into_bytes())).await {
            Err(_) => message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
            Ok(Outcome::Error(error)) => {
                tracing::warn!(%error, path = %parts.uri.path(), "HTTP API integration failed");
                message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
            }
            Ok(Outcome::Response(body)) => response_from(&body),
        }
    }
}

fn message(status: StatusCode, text: &str) -> Response {
    (status, axum::Json(json!({"message": text}))).into_response()
}

fn origin_allowed(cors: &CorsDef, origin: &str) -> bool {
    cors.allow_origins.iter().any(|allowed| allowed == "*" || allowed.eq_ignore_ascii_case(origin))
}

fn preflight(cors: &CorsDef, origin: &str) -> Response {
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("access-control-allow-origin", origin.to_owned());
    set("access-control-allow-methods", cors.allow_methods.join(","));
    set("access-control-allow-headers", cors.allow_headers.join(","));
    if let Some(max_age) = cors.max_age {
        set("access-control-max-age", max_age.to_string());
    }
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// `/api/{proxy+}` against `/api/rooms/x`: a specificity score and the
/// parameters, or no match.
fn match_path(pattern: &str, path: &str) -> Option<(u32, Vec<(String, String)>)> {
    if pattern == "$default" {
        return Some((0, Vec::new()));
    }
    let pattern: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut parameters = Vec::new();
    let mut score = 1;
    for (index, part) in pattern.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            let rest = segments.get(index..)?.join("/");
            if rest.is_empty() {
                return None;
            }
            parameters.push((name.to_owned(), rest));
            return Some((score, parameters));
        }
        let segment = segments.get(index)?;
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            parameters.push((name.to_owned(), segment.to_string()));
            score += 1;
        } else if part == segment {
            score += 2;
        } else {
            return None;
        }
    }
    (segments.len() == pattern.len()).then_some((score + 100, parameters))
}

/// A payload 2.0 response: a JSON object with `statusCode` is taken as the
/// response; anything else is the body of a 200 with a JSON content type.
fn response_from(payload: &Bytes) -> Response {
    let Ok(Value::Object(document)) = serde_json::from_slice::<Value>(payload) else {
        return ([("content-type", "application/json")], payload.clone()).into_response();
    };
    let Some(status) = document.get("statusCode").and_then(Value::as_u64) else {
        return ([("content-type", "application/json")], payload.clone()).into_response();
    };
    let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = document.get("body").and_then(Value::as_str).unwrap_or_default();
    let body = if document.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false) {
        match base64::engine::general_purpose::STANDARD.decode(body) {
            Ok(bytes) => bytes,
            Err(_) => return message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        }
    } else {
        body.as_bytes().to_vec()
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    for (name, value) in document.get("headers").and_then(Value::as_object).into_iter().flatten() {
        let value = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            headers.insert(name, value);
        }
    }
    for cookie in document.get("cookies").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append("set-cookie", value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_and_named_parameters() {
        let (_, parameters) = match_path("/api/{proxy+}", "/api/rooms/lobby/messages").unwrap();
        assert_eq!(parameters, vec![("proxy".to_owned(), "rooms/lobby/messages".to_owned())]);
        assert!(match_path("/api/{proxy+}", "/api").is_none());
        assert!(match_path("/api/{proxy+}", "/other/x").is_none());
        let (_, parameters) = match_path("/rooms/{id}", "/rooms/lobby").unwrap();
        assert_eq!(parameters, vec![("id".to_owned(), "lobby".to_owned())]);
        assert!(match_path("/rooms/{id}", "/rooms/lobby/x").is_none());
        assert!(match_path("/a/b", "/a/b").unwrap().0 > match_path("/a/{x}", "/a/b").unwrap().0);
    }

    #[test]
    fn payload_2_responses() {
        let response = response_from(&Bytes::from_static(br#"{"statusCode":201,"headers":{"x-a":"1"},"body":"hi"}"#));
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["x-a"], "1");
        let response = response_from(&Bytes::from_static(br#"{"rooms":[]}"#));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/json");
    }
}
