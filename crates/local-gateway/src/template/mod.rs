//! Reading infra/template.yaml the way CloudFormation and SAM would, with
//! local names: the gateway runs the template as written instead of a
//! configuration of its own, so what runs here is what deploys.

mod endpoints;
pub mod intrinsics;
mod scope;
mod stack;
mod websocket;
mod yaml;

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

pub use endpoints::EndpointMap;
pub use scope::{LocalNames, LocalScope};
pub use stack::{
    parse_parameters, BucketDef, CorsDef, FunctionDef, HttpApiDef, HttpRoute, JwtAuthorizerDef, OutputDef, S3Notification, Stack,
    TableDef, WebSocketApiDef, WsAuthorizer, WsRoute,
};

/// A template in CloudFormation JSON form.
#[derive(Clone, Debug)]
pub struct Template {
    pub json: Value,
}

impl Template {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self> {
        Ok(Self { json: yaml::parse(text)? })
    }

    /// The stack as it runs locally: `gateway` is the gateway's base URL,
    /// which AWS endpoint URLs in the template are pointed at.
    pub fn resolve(&self, names: &LocalNames, parameters: &HashMap<String, String>, gateway: &str) -> Result<Stack> {
        let scope = LocalScope::new(&self.json, names, parameters)?;
        let api_ids: Vec<String> = self
            .json
            .get("Resources")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, r)| matches!(r.get("Type").and_then(Value::as_str), Some("AWS::ApiGatewayV2::Api" | "AWS::Serverless::HttpApi")))
            .map(|(logical_id, _)| names.api_id(logical_id))
            .collect();
        let endpoints = EndpointMap::new(gateway, &names.region, &api_ids);
        stack::read(&self.json, &scope, &endpoints)
    }
}
