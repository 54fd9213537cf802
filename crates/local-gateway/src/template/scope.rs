//! The local names of a template's resources: what `Ref` and `Fn::GetAtt`
//! answer when the template runs on this machine instead of in an AWS
//! account. Names follow CloudFormation's shapes (`<stack>-<LogicalId>`,
//! real ARN formats) so handlers see nothing unusual.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::intrinsics::{evaluate_condition, resolve_string, Scope};

/// Where the template runs and what the local stand-ins are called.
#[derive(Clone, Debug)]
pub struct LocalNames {
    pub stack_name: String,
    pub region: String,
    /// moto's default account, so ARNs match what moto hands out.
    pub account_id: String,
    /// The embedded identity provider's pool and app client.
    pub user_pool_id: String,
    pub client_id: String,
}

impl Default for LocalNames {
    fn default() -> Self {
        Self {
            stack_name: "moodchat-local".into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            user_pool_id: "us-east-1_moodchatlocal".into(),
            client_id: "moodchat-web".into(),
        }
    }
}

impl LocalNames {
    /// The stack id: its last UUID group names the bucket the way the
    /// template derives it from the real stack id. As on AWS, each stack has
    /// its own (48 bits of FNV-1a of the stack name): stacks sharing one moto
    /// (tests) get buckets of their own, and S3 notifications of one stack
    /// never see another's uploads. The same name always gets the same id.
    pub fn stack_id(&self) -> String {
        let hash = self.stack_name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        format!(
            "arn:aws:cloudformation:{}:{}:stack/{}/6c6f6361-6c00-4000-8000-{:012x}",
            self.region,
            self.account_id,
            self.stack_name,
            hash & 0xffff_ffff_ffff
        )
    }

    /// The id an API of the template gets locally (`<logical id>` in lower
    /// case, as short as API Gateway's ten-character ids are not needed).
    pub fn api_id(&self, logical_id: &str) -> String {
        logical_id.to_ascii_lowercase()
    }
}

/// The template's `Ref`/`Fn::GetAtt`/condition answers for this machine.
pub struct LocalScope<'a> {
    pub names: &'a LocalNames,
    pub parameters: HashMap<String, String>,
    resources: &'a Map<String, Value>,
    conditions: &'a Map<String, Value>,
}

impl<'a> LocalScope<'a> {
    /// `overrides` replace parameter defaults (like `--parameter-overrides`).
    pub fn new(template: &'a Value, names: &'a LocalNames, overrides: &HashMap<String, String>) -> anyhow::Result<Self> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let empty = EMPTY.get_or_init(Map::new);
        let section = |name: &str| template.get(name).and_then(Value::as_object).unwrap_or(empty);
        let mut parameters = HashMap::new();
        for (name, definition) in section("Parameters") {
            let value = match overrides.get(name) {
                Some(value) => value.clone(),
                None => match definition.get("Default") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    Some(Value::Bool(b)) => b.to_string(),
                    _ => anyhow::bail!("parameter {name} has no default: pass --parameter {name}=..."),
                },
            };
            parameters.insert(name.clone(), value);
        }
        Ok(Self { names, parameters, resources: section("Resources"), conditions: section("Conditions") })
    }

    pub fn resource_type(&self, logical_id: &str) -> Option<&str> {
        self.resources.get(logical_id)?.get("Type")?.as_str()
    }

    fn property(&self, logical_id: &str, name: &str) -> Option<&Value> {
        self.resources.get(logical_id)?.get("Properties")?.get(name)
    }

    /// A resource's physical name: its name property when the template sets
    /// one, else `<stack>-<LogicalId>` as CloudFormation would generate.
    fn physical_name(&self, logical_id: &str, name_property: &str) -> String {
        self.property(logical_id, name_property)
            .and_then(|value| resolve_string(value, self).ok())
            .unwrap_or_else(|| format!("{}-{logical_id}", self.names.stack_name))
    }

    pub fn function_name(&self, logical_id: &str) -> String {
        self.physical_name(logical_id, "FunctionName")
    }

    fn arn(&self, service: &str, resource: &str) -> String {
        format!("arn:aws:{service}:{}:{}:{resource}", self.names.region, self.names.account_id)
    }

    fn api_endpoint(&self, logical_id: &str, scheme: &str) -> String {
        format!("{scheme}://{}.execute-api.{}.amazonaws.com", self.names.api_id(logical_id), self.names.region)
    }
}

impl Scope for LocalScope<'_> {
    fn reference(&self, name: &str) -> Option<String> {
        let names = self.names;
        match name {
            "AWS::Region" => return Some(names.region.clone()),
            "AWS::AccountId" => return Some(names.account_id.clone()),
            "AWS::StackName" => return Some(names.stack_name.clone()),
            "AWS::StackId" => return Some(names.stack_id()),
            "AWS::Partition" => return Some("aws".into()),
            "AWS::URLSuffix" => return Some("amazonaws.com".into()),
            _ => {}
        }
        if let Some(value) = self.parameters.get(name) {
            return Some(value.clone());
        }
        Some(match self.resource_type(name)? {
            "AWS::Serverless::Function" | "AWS::Lambda::Function" => self.function_name(name),
            "AWS::DynamoDB::Table" => self.physical_name(name, "TableName"),
            "AWS::S3::Bucket" => self.physical_name(name, "BucketName").to_ascii_lowercase(),
            "AWS::SNS::Topic" => self.arn("sns", &self.physical_name(name, "TopicName")),
            "AWS::Cognito::UserPool" => names.user_pool_id.clone(),
            "AWS::Cognito::UserPoolClient" => names.client_id.clone(),
            "AWS::ApiGatewayV2::Api" | "AWS::Serverless::HttpApi" => names.api_id(name),
            "AWS::Logs::LogGroup" => self.physical_name(name, "LogGroupName"),
            "AWS::ApiGatewayV2::Stage" => self.physical_name(name, "StageName"),
            // Integrations, routes, authorizers: the logical id, which is how
            // the gateway finds them again (`integrations/${Integration}`).
            _ => name.to_owned(),
        })
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Option<String> {
        let reference = self.reference(resource)?;
        Some(match (self.resource_type(resource)?, attribute) {
            ("AWS::Serverless::Function" | "AWS::Lambda::Function", "Arn") => {
                self.arn("lambda", &format!("function:{reference}"))
            }
            ("AWS::DynamoDB::Table", "Arn") => self.arn("dynamodb", &format!("table/{reference}")),
            ("AWS::S3::Bucket", "Arn") => format!("arn:aws:s3:::{reference}"),
            ("AWS::SNS::Topic", "TopicArn") => reference,
            ("AWS::SNS::Topic", "TopicName") => reference.rsplit(':').next()?.to_owned(),
            ("AWS::Cognito::UserPool", "Arn") => self.arn("cognito-idp", &format!("userpool/{reference}")),
            ("AWS::Cognito::UserPool", "ProviderURL") => {
                format!("cognito-idp.{}.amazonaws.com/{reference}", self.names.region)
            }
            ("AWS::Logs::LogGroup", "Arn") => self.arn("logs", &format!("log-group:{reference}:*")),
            ("AWS::ApiGatewayV2::Api", "ApiEndpoint") => {
                let websocket = self.property(resource, "ProtocolType").and_then(Value::as_str) == Some("WEBSOCKET");
                self.api_endpoint(resource, if websocket { "wss" } else { "https" })
            }
            ("AWS::Serverless::HttpApi", "ApiEndpoint") => self.api_endpoint(resource, "https"),
            _ => return None,
        })
    }

    fn condition(&self, name: &str) -> Option<bool> {
        evaluate_condition(self.conditions.get(name)?, self).ok()
    }
}
