//! What the gateway needs from a template, resolved for this machine: the
//! functions (binary, environment, timeout), the WebSocket API's routes and
//! authorizer, the HTTP API's routes and JWT authorizer, S3 notifications,
//! the table, buckets, topics and the outputs.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{Map, Value};

use super::endpoints::EndpointMap;
use super::intrinsics::{resolve_required, resolve_string};
use super::scope::LocalScope;

#[derive(Clone, Debug)]
pub struct FunctionDef {
    pub logical_id: String,
    /// The local function name (`<stack>-<LogicalId>`).
    pub name: String,
    pub arn: String,
    /// `Metadata.BuildProperties.Binary`: the cargo binary to run.
    pub binary: String,
    pub timeout: Duration,
    pub memory_mb: u32,
    /// As the template sets it, with AWS endpoint URLs pointed at the gateway.
    pub environment: BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
pub struct WsRoute {
    pub key: String,
    pub function: String,
    pub authorizer: Option<WsAuthorizer>,
}

#[derive(Clone, Debug)]
pub struct WsAuthorizer {
    pub function: String,
    /// e.g. `route.request.querystring.token`
    pub identity_sources: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct WebSocketApiDef {
    pub api_id: String,
    pub stage: String,
    pub route_selection_expression: String,
    pub routes: Vec<WsRoute>,
}

#[derive(Clone, Debug)]
pub struct HttpRoute {
    /// `ANY` or an HTTP method.
    pub method: String,
    /// e.g. `/api/{proxy+}`
    pub path: String,
    pub function: String,
    pub authorized: bool,
}

#[derive(Clone, Debug)]
pub struct JwtAuthorizerDef {
    pub issuer: String,
    pub audience: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct CorsDef {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub max_age: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct HttpApiDef {
    pub api_id: String,
    pub routes: Vec<HttpRoute>,
    pub jwt: Option<JwtAuthorizerDef>,
    pub cors: Option<CorsDef>,
}

#[derive(Clone, Debug)]
pub struct S3Notification {
    pub bucket: String,
    pub function: String,
    /// e.g. `s3:ObjectCreated:*`
    pub events: Vec<String>,
    pub prefix: String,
    pub suffix: String,
}

#[derive(Clone, Debug)]
pub struct TableDef {
    pub name: String,
    /// The resolved `Properties` of the `AWS::DynamoDB::Table`.
    pub properties: Value,
}

#[derive(Clone, Debug)]
pub struct BucketDef {
    pub name: String,
    pub cors: Vec<CorsDef>,
}

#[derive(Clone, Debug)]
pub struct OutputDef {
    pub key: String,
    pub description: String,
    pub value: String,
}

#[derive(Clone, Debug, Default)]
pub struct Stack {
    /// By logical id.
    pub functions: BTreeMap<String, FunctionDef>,
    pub websocket: Option<WebSocketApiDef>,
    pub http: Option<HttpApiDef>,
    pub s3_notifications: Vec<S3Notification>,
    pub tables: Vec<TableDef>,
    pub buckets: Vec<BucketDef>,
    /// Topic names (the last part of their ARNs).
    pub topics: Vec<String>,
    pub outputs: Vec<OutputDef>,
}

impl Stack {
    pub fn function_by_name(&self, name_or_arn: &str) -> Option<&FunctionDef> {
        self.functions.values().find(|f| f.name == name_or_arn || f.arn == name_or_arn)
    }
}

/// Reads the resolved stack out of a template in CloudFormation JSON form.
pub fn read(template: &Value, scope: &LocalScope, endpoints: &EndpointMap) -> Result<Stack> {
    let resources = template.get("Resources").and_then(Value::as_object).ok_or_else(|| anyhow!("no Resources"))?;
    let globals = template.pointer("/Globals/Function").cloned().unwrap_or(Value::Object(Map::new()));
    let mut stack = Stack::default();
    let mut http_events = Vec::new();
    for (logical_id, resource) in resources {
        let kind = resource.get("Type").and_then(Value::as_str).unwrap_or_default();
        let properties = resource.get("Properties").cloned().unwrap_or(Value::Object(Map::new()));
        let context = || format!("resource {logical_id}");
        match kind {
            "AWS::Serverless::Function" => {
                let function = read_function(logical_id, resource, &globals, scope, endpoints).with_context(context)?;
                for (_, event) in properties.get("Events").and_then(Value::as_object).into_iter().flatten() {
                    match event.get("Type").and_then(Value::as_str) {
                        Some("HttpApi") => http_events.push((logical_id.clone(), event.get("Properties").cloned())),
                        Some("S3") => stack.s3_notifications.push(read_s3_event(logical_id, event, scope).with_context(context)?),
                        _ => {}
                    }
                }
                stack.functions.insert(logical_id.clone(), function);
            }
            "AWS::DynamoDB::Table" => stack.tables.push(TableDef {
                name: resolve_string(&Value::Object(ref_to(logical_id)), scope)?,
                properties: resolve_required(&properties, scope).with_context(context)?,
            }),
            "AWS::S3::Bucket" => {
                let resolved = resolve_required(&properties, scope).with_context(context)?;
                let cors = resolved.pointer("/CorsConfiguration/CorsRules").and_then(Value::as_array).cloned().unwrap_or_default();
                stack.buckets.push(BucketDef {
                    name: resolve_string(&Value::Object(ref_to(logical_id)), scope)?,
                    cors: cors.iter().map(|rule| read_cors(rule, "Allowed", "MaxAge")).collect(),
                });
            }
            "AWS::SNS::Topic" => {
                let arn = resolve_string(&Value::Object(ref_to(logical_id)), scope)?;
                stack.topics.push(arn.rsplit(':').next().unwrap_or_default().to_owned());
            }
            _ => {}
        }
    }
    stack.websocket = super::websocket::read(resources, scope).context("the WebSocket API")?;
    stack.http = read_http_api(resources, &http_events, scope, endpoints).context("the HTTP API")?;
    for (key, output) in template.get("Outputs").and_then(Value::as_object).into_iter().flatten() {
        let value = output.get("Value").ok_or_else(|| anyhow!("output {key} has no Value"))?;
        stack.outputs.push(OutputDef {
            key: key.clone(),
            description: output.get("Description").and_then(Value::as_str).unwrap_or_default().to_owned(),
            value: endpoints.rewrite(&resolve_string(value, scope).with_context(|| format!("output {key}"))?),
        });
    }
    Ok(stack)
}

fn ref_to(logical_id: &str) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("Ref".into(), Value::String(logical_id.to_owned()));
    object
}

/// SAM's Globals merged under the function's own properties (maps merge,
/// everything else is replaced), as SAM's transform does.
fn merge(global: &Value, own: &Value) -> Value {
    match (global, own) {
        (Value::Object(global), Value::Object(own)) => {
            let mut merged = global.clone();
            for (key, value) in own {
                let value = match merged.get(key) {
                    Some(existing) => merge(existing, value),
                    None => value.clone(),
                };
                merged.insert(key.clone(), value);
            }
            Value::Object(merged)
        }
        (_, own) => own.clone(),
    }
}

fn read_function(
    logical_id: &str,
    resource: &Value,
    globals: &Value,
    scope: &LocalScope,
    endpoints: &EndpointMap,
) -> Result<FunctionDef> {
    let own = resource.get("Properties").cloned().unwrap_or(Value::Object(Map::new()));
    let properties = merge(globals, &own);
    let binary = resource
        .pointer("/Metadata/BuildProperties/Binary")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("no Metadata.BuildProperties.Binary (the cargo binary to run)"))?
        .to_owned();
    let number = |name: &str, default: u64| -> Result<u64> {
        match properties.get(name) {
            Some(value) => resolve_string(value, scope)?.parse().with_context(|| format!("{name} is not a number")),
            None => Ok(default),
        }
    };
    let mut environment = BTreeMap::new();
    if let Some(variables) = properties.pointer("/Environment/Variables") {
        let resolved = resolve_required(variables, scope)?;
        for (name, value) in resolved.as_object().into_iter().flatten() {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            environment.insert(name.clone(), endpoints.rewrite(&value));
        }
    }
    let name = scope.function_name(logical_id);
    Ok(FunctionDef {
        logical_id: logical_id.to_owned(),
        arn: format!("arn:aws:lambda:{}:{}:function:{name}", scope.names.region, scope.names.account_id),
        name,
        binary,
        // Lambda's defaults: 3 s and 128 MB.
        timeout: Duration::from_secs(number("Timeout", 3)?),
        memory_mb: number("MemorySize", 128)? as u32,
        environment,
    })
}

fn read_s3_event(logical_id: &str, event: &Value, scope: &LocalScope) -> Result<S3Notification> {
    let properties = resolve_required(event.get("Properties").ok_or_else(|| anyhow!("S3 event without Properties"))?, scope)?;
    let bucket = properties.get("Bucket").and_then(Value::as_str).ok_or_else(|| anyhow!("S3 event without Bucket"))?;
    let events = match properties.get("Events") {
        Some(Value::String(event)) => vec![event.clone()],
        Some(Value::Array(events)) => events.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => bail!("S3 event without Events"),
    };
    let mut notification = S3Notification {
        bucket: bucket.to_owned(),
        function: logical_id.to_owned(),
        events,
        prefix: String::new(),
        suffix: String::new(),
    };
    for rule in properties.pointer("/Filter/S3Key/Rules").and_then(Value::as_array).into_iter().flatten() {
        let value = rule.get("Value").and_then(Value::as_str).unwrap_or_default().to_owned();
        match rule.get("Name").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
            Some("prefix") => notification.prefix = value,
            Some("suffix") => notification.suffix = value,
            other => bail!("unknown S3 filter rule {other:?}"),
        }
    }
    Ok(notification)
}

/// CORS rules: the HTTP API's (`AllowOrigins`, `MaxAge`) and S3's
/// (`AllowedOrigins`, `MaxAge`) differ only in their prefixes.
fn read_cors(rule: &Value, prefix: &str, max_age: &str) -> CorsDef {
    let list = |name: &str| -> Vec<String> {
        rule.get(format!("{prefix}{name}")).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
    };
    CorsDef {
        allow_origins: list("Origins"),
        allow_methods: list("Methods"),
        allow_headers: list("Headers"),
        max_age: rule.get(max_age).and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok())),
    }
}

fn read_http_api(
    resources: &Map<String, Value>,
    events: &[(String, Option<Value>)],
    scope: &LocalScope,
    endpoints: &EndpointMap,
) -> Result<Option<HttpApiDef>> {
    let Some((logical_id, api)) = resources.iter().find(|(_, r)| r.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::HttpApi"))
    else {
        return Ok(None);
    };
    let api_id = resolve_string(&Value::Object(ref_to(logical_id)), scope)?;
    let properties = resolve_required(api.get("Properties").unwrap_or(&Value::Null), scope)?;
    let default_authorizer = properties.pointer("/Auth/DefaultAuthorizer").and_then(Value::as_str).map(str::to_owned);
    let jwt = match &default_authorizer {
        Some(name) => {
            let config = properties
                .pointer(&format!("/Auth/Authorizers/{name}/JwtConfiguration"))
                .ok_or_else(|| anyhow!("authorizer {name} is not a JWT authorizer"))?;
            let issuer = config.get("issuer").and_then(Value::as_str).ok_or_else(|| anyhow!("JWT authorizer without issuer"))?;
            Some(JwtAuthorizerDef {
                issuer: endpoints.rewrite(issuer),
                audience: config.get("audience").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect(),
            })
        }
        None => None,
    };
    let mut routes = Vec::new();
    for (function, event) in events {
        let event = resolve_required(event.as_ref().unwrap_or(&Value::Null), scope)?;
        if event.get("ApiId").and_then(Value::as_str).is_some_and(|id| id != api_id) {
            continue;
        }
        let explicit = event.pointer("/Auth/Authorizer").and_then(Value::as_str);
        routes.push(HttpRoute {
            method: event.get("Method").and_then(Value::as_str).unwrap_or("ANY").to_ascii_uppercase(),
            path: event.get("Path").and_then(Value::as_str).unwrap_or("$default").to_owned(),
            function: function.clone(),
            authorized: explicit.map(|a| a != "NONE").unwrap_or(default_authorizer.is_some()),
        });
    }
    let cors = properties.get("CorsConfiguration").map(|rule| read_cors(rule, "Allow", "MaxAge"));
    Ok(Some(HttpApiDef { api_id, routes, jwt, cors }))
}

/// `--parameter Name=value` pairs.
pub fn parse_parameters(pairs: &[String]) -> Result<HashMap<String, String>> {
    pairs
        .iter()
        .map(|pair| pair.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).ok_or_else(|| anyhow!("{pair}: expected Name=value")))
        .collect()
}
