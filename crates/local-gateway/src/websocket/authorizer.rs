//! `$connect`'s Lambda REQUEST authorizer as API Gateway runs it: a missing
//! identity source is a 401 without calling the function; the function's
//! error "Unauthorized" is a 401, any other error a 500; its IAM policy must
//! allow `execute-api:Invoke` on the method ARN (wildcards as IAM matches
//! them), else 403. What it allows passes `principalId` and `context` on to
//! the `$connect` event.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::events::{authorizer_event, ConnectionContext, UpgradeRequest};
use crate::lambda::{Functions, Outcome};
use crate::template::WsAuthorizer;

/// Where the identity source `route.request.querystring.token` (or
/// `route.request.header.X`) points, if present and non-empty.
fn identity_present(source: &str, request: &UpgradeRequest) -> bool {
    let value = if let Some(name) = source.strip_prefix("route.request.querystring.") {
        request.query_value(name)
    } else if let Some(name) = source.strip_prefix("route.request.header.") {
        request.header_value(name)
    } else {
        // Stage variables and context sources are not emulated: present.
        Some("-")
    };
    value.is_some_and(|v| !v.is_empty())
}

/// Runs the authorizer; the `requestContext.authorizer` map for `$connect`,
/// or the status the upgrade is refused with.
pub async fn authorize(
    authorizer: &WsAuthorizer,
    functions: &Functions,
    context: &ConnectionContext,
    request: &UpgradeRequest,
    method_arn: &str,
) -> Result<Map<String, Value>, StatusCode> {
    if !authorizer.identity_sources.iter().all(|source| identity_present(source, request)) {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let pool = functions.get(&authorizer.function).ok_or(StatusCode::INTERNAL_SERVER_ERROR)?;
    let started = std::time::Instant::now();
    let event = authorizer_event(context, request, method_arn, crate::now_ms(), &crate::request_id());
    let response = match pool.invoke(event.to_string().into_bytes()).await {
        Outcome::Response(body) => serde_json::from_slice::<Value>(&body).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?,
        Outcome::Error(error) => {
            let unauthorized = error.get("errorMessage").and_then(Value::as_str) == Some("Unauthorized");
            tracing::debug!(%error, "authorizer failed");
            return Err(if unauthorized { StatusCode::UNAUTHORIZED } else { StatusCode::INTERNAL_SERVER_ERROR });
        }
    };
    if !policy_allows(&response, method_arn) {
        return Err(StatusCode::FORBIDDEN);
    }
    let mut authorizer_context = Map::new();
    if let Some(Value::Object(context)) = response.get("context") {
        for (key, value) in context {
            // API Gateway passes only strings, numbers and booleans on.
            if matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
                authorizer_context.insert(key.clone(), value.clone());
            }
        }
    }
    authorizer_context.insert("principalId".into(), response.get("principalId").cloned().unwrap_or(Value::Null));
    authorizer_context.insert("integrationLatency".into(), (started.elapsed().as_millis() as u64).into());
    Ok(authorizer_context)
}

/// An explicit Deny wins; otherwise some Allow must match.
pub fn policy_allows(response: &Value, method_arn: &str) -> bool {
    let statements = match response.pointer("/policyDocument/Statement") {
        Some(Value::Array(statements)) => statements.clone(),
        Some(statement @ Value::Object(_)) => vec![statement.clone()],
        _ => return false,
    };
    let mut allowed = false;
    for statement in &statements {
        let matches_action = strings(statement.get("Action")).iter().any(|a| a == "*" || a == "execute-api:*" || a.eq_ignore_ascii_case("execute-api:Invoke"));
        let matches_resource = strings(statement.get("Resource")).iter().any(|pattern| wildcard_match(pattern, method_arn));
        if !(matches_action && matches_resource) {
            continue;
        }
        match statement.get("Effect").and_then(Value::as_str) {
            Some(effect) if effect.eq_ignore_ascii_case("Deny") => return false,
            Some(effect) if effect.eq_ignore_ascii_case("Allow") => allowed = true,
            _ => {}
        }
    }
    allowed
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// IAM's resource matching: `*` any run of characters, `?` one character.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut p, mut t, mut star, mut mark) = (0, 0, None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:websocketapi/prod/$connect";

    fn policy(effect: &str, resource: &str) -> Value {
        json!({"principalId": "u", "policyDocument": {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}})
    }

    #[test]
    fn allow_must_match_the_method_arn() {
        assert!(policy_allows(&policy("Allow", ARN), ARN));
        assert!(policy_allows(&policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:websocketapi/*"), ARN));
        // The mistake powertools users hit: a REST-style resource with a method part.
        assert!(!policy_allows(&policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:websocketapi/prod/*/*"), ARN));
        assert!(!policy_allows(&policy("Deny", ARN), ARN));
        assert!(!policy_allows(&json!({"principalId": "u"}), ARN));
    }

    #[test]
    fn deny_wins_over_allow() {
        let both = json!({"policyDocument": {"Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
            {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": ARN}]}});
        assert!(!policy_allows(&both, ARN));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("a*c", "abbbc"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "abbc"));
        assert!(wildcard_match("*", ""));
    }
}
