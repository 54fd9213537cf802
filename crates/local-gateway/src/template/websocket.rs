//! The WebSocket API as the template wires it: `AWS::ApiGatewayV2::Api`
//! (WEBSOCKET) <- Routes -> `integrations/${Integration}` -> the function in
//! the integration's URI; `$connect`'s `AuthorizerId` -> the REQUEST
//! authorizer's function and identity sources; the stage's name.

use anyhow::{anyhow, Context, Result};
use serde_json::{Map, Value};

use super::intrinsics::{resolve_required, resolve_string};
use super::scope::LocalScope;
use super::stack::{WebSocketApiDef, WsAuthorizer, WsRoute};
use crate::template::intrinsics::Scope;

pub fn read(resources: &Map<String, Value>, scope: &LocalScope) -> Result<Option<WebSocketApiDef>> {
    let of_type = |kind: &'static str| {
        resources.iter().filter(move |(_, r)| r.get("Type").and_then(Value::as_str) == Some(kind))
    };
    let Some((api_logical, api)) = of_type("AWS::ApiGatewayV2::Api")
        .find(|(_, r)| r.pointer("/Properties/ProtocolType").and_then(Value::as_str) == Some("WEBSOCKET"))
    else {
        return Ok(None);
    };
    let api_id = scope.reference(api_logical).ok_or_else(|| anyhow!("no id for {api_logical}"))?;
    let belongs = |resource: &Value| -> bool {
        resource.pointer("/Properties/ApiId").and_then(|v| resolve_string(v, scope).ok()).as_deref() == Some(api_id.as_str())
    };
    let stage = of_type("AWS::ApiGatewayV2::Stage")
        .find(|(_, r)| belongs(r))
        .and_then(|(_, r)| r.pointer("/Properties/StageName"))
        .map(|name| resolve_string(name, scope))
        .transpose()?
        .ok_or_else(|| anyhow!("the WebSocket API has no stage"))?;
    let route_selection_expression = api
        .pointer("/Properties/RouteSelectionExpression")
        .and_then(Value::as_str)
        .unwrap_or("$request.body.action")
        .to_owned();

    let mut routes = Vec::new();
    for (logical_id, route) in of_type("AWS::ApiGatewayV2::Route").filter(|(_, r)| belongs(r)) {
        let properties = resolve_required(&route["Properties"], scope).with_context(|| format!("route {logical_id}"))?;
        let key = properties.get("RouteKey").and_then(Value::as_str).ok_or_else(|| anyhow!("route {logical_id} has no RouteKey"))?;
        let target = properties.get("Target").and_then(Value::as_str).unwrap_or_default();
        let Some(integration) = target.strip_prefix("integrations/") else {
            continue; // A route without an integration answers nothing locally either.
        };
        let uri = resources
            .get(integration)
            .and_then(|i| i.pointer("/Properties/IntegrationUri"))
            .ok_or_else(|| anyhow!("route {key}: integration {integration} has no IntegrationUri"))?;
        let function = function_in_uri(&resolve_string(uri, scope)?, resources, scope)
            .ok_or_else(|| anyhow!("route {key}: no function of this template in its integration"))?;
        let authorizer = match properties.get("AuthorizerId").and_then(Value::as_str) {
            Some(authorizer) => Some(read_authorizer(authorizer, resources, scope).with_context(|| format!("route {key}"))?),
            None => None,
        };
        routes.push(WsRoute { key: key.to_owned(), function, authorizer });
    }
    Ok(Some(WebSocketApiDef { api_id, stage, route_selection_expression, routes }))
}

fn read_authorizer(logical_id: &str, resources: &Map<String, Value>, scope: &LocalScope) -> Result<WsAuthorizer> {
    let properties = resources
        .get(logical_id)
        .and_then(|a| a.get("Properties"))
        .ok_or_else(|| anyhow!("unknown authorizer {logical_id}"))?;
    let properties = resolve_required(properties, scope)?;
    let uri = properties.get("AuthorizerUri").and_then(Value::as_str).ok_or_else(|| anyhow!("authorizer without AuthorizerUri"))?;
    Ok(WsAuthorizer {
        function: function_in_uri(uri, resources, scope).ok_or_else(|| anyhow!("authorizer {logical_id}: no function in its URI"))?,
        identity_sources: properties
            .get("IdentitySource")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
    })
}

/// The logical id of the function whose ARN is in a Lambda integration URI
/// (`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`).
fn function_in_uri(uri: &str, resources: &Map<String, Value>, scope: &LocalScope) -> Option<String> {
    let arn = uri.split("/functions/").nth(1)?.strip_suffix("/invocations")?;
    resources
        .keys()
        .find(|logical_id| scope.attribute(logical_id, "Arn").as_deref() == Some(arn) && scope.resource_type(logical_id).is_some_and(|t| t.ends_with("Function")))
        .cloned()
}
