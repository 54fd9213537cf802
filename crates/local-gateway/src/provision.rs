//! Creating the template's data resources in the local services, from the
//! template's own definitions: the DynamoDB table (attribute definitions,
//! key schema, GSIs, billing mode, TTL exactly as `AWS::DynamoDB::Table`
//! declares them), the buckets and the SNS topics (in moto).

use anyhow::{anyhow, Context, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use serde_json::Value;

use crate::template::{CorsDef, Stack, TableDef};

/// SDK configuration for a local service: plain HTTP, dummy credentials.
pub fn sdk_config(endpoint: &str, region: &str) -> aws_sdk_dynamodb::config::Builder {
    aws_sdk_dynamodb::config::Builder::new()
        .behavior_version_latest()
        .region(aws_sdk_dynamodb::config::Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("local", "local", None, None, "local-gateway"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
}

pub fn dynamodb_client(endpoint: &str, region: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(sdk_config(endpoint, region).build())
}

fn text<'a>(value: &'a Value, field: &str) -> Result<&'a str> {
    value.get(field).and_then(Value::as_str).ok_or_else(|| anyhow!("{field} missing"))
}

fn key_schema(keys: &Value) -> Result<Vec<KeySchemaElement>> {
    keys.as_array()
        .ok_or_else(|| anyhow!("KeySchema is not a list"))?
        .iter()
        .map(|key| {
            Ok(KeySchemaElement::builder()
                .attribute_name(text(key, "AttributeName")?)
                .key_type(KeyType::from(text(key, "KeyType")?))
                .build()?)
        })
        .collect()
}

/// CreateTable (and UpdateTimeToLive) from the template's table properties.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, table: &TableDef) -> Result<()> {
    let properties = &table.properties;
    let mut request = client.create_table().table_name(&table.name).set_key_schema(Some(key_schema(
        properties.get("KeySchema").ok_or_else(|| anyhow!("KeySchema missing"))?,
    )?));
    for attribute in properties.get("AttributeDefinitions").and_then(Value::as_array).into_iter().flatten() {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(attribute, "AttributeName")?)
                .attribute_type(ScalarAttributeType::from(text(attribute, "AttributeType")?))
                .build()?,
        );
    }
    request = request.billing_mode(BillingMode::from(properties.get("BillingMode").and_then(Value::as_str).unwrap_or("PROVISIONED")));
    for index in properties.get("GlobalSecondaryIndexes").and_then(Value::as_array).into_iter().flatten() {
        let projection = index.get("Projection").ok_or_else(|| anyhow!("GSI without Projection"))?;
        let non_key: Option<Vec<String>> = projection
            .get("NonKeyAttributes")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).map(str::to_owned).collect());
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(text(index, "IndexName")?)
                .set_key_schema(Some(key_schema(index.get("KeySchema").ok_or_else(|| anyhow!("GSI without KeySchema"))?)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(text(projection, "ProjectionType")?))
                        .set_non_key_attributes(non_key)
                        .build(),
                )
                .build()?,
        );
    }
    request.send().await.with_context(|| format!("CreateTable {}", table.name))?;
    if let Some(ttl) = properties.get("TimeToLiveSpecification") {
        client
            .update_time_to_live()
            .table_name(&table.name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(text(ttl, "AttributeName")?)
                    .enabled(ttl.get("Enabled").and_then(Value::as_bool).unwrap_or(false))
                    .build()?,
            )
            .send()
            .await
            .with_context(|| format!("UpdateTimeToLive {}", table.name))?;
    }
    Ok(())
}

/// S3 in moto: path-style (one host for every bucket), plain HTTP.
pub fn s3_client(moto: &str, region: &str) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version_latest()
        .region(aws_sdk_s3::config::Region::new(region.to_owned()))
        .endpoint_url(moto)
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new("local", "local", None, None, "local-gateway"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// The template's `CorsConfiguration` of a bucket as S3's API takes it, so that
/// moto answers a browser's preflight for a presigned PUT as S3 would.
fn cors_configuration(rules: &[CorsDef]) -> Result<aws_sdk_s3::types::CorsConfiguration> {
    use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
    let rules = rules
        .iter()
        .map(|rule| {
            CorsRule::builder()
                .set_allowed_origins(Some(rule.allow_origins.clone()))
                .set_allowed_methods(Some(rule.allow_methods.clone()))
                .set_allowed_headers(Some(rule.allow_headers.clone()))
                .set_max_age_seconds(rule.max_age.and_then(|age| i32::try_from(age).ok()))
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .context("a bucket's CORS rule")?;
    Ok(CorsConfiguration::builder().set_cors_rules(Some(rules)).build()?)
}

/// Every table of the stack in DynamoDB Local; buckets and topics in moto.
pub async fn provision(stack: &Stack, dynamodb: &str, moto: &str, region: &str) -> Result<()> {
    let client = dynamodb_client(dynamodb, region);
    for table in &stack.tables {
        create_table(&client, table).await?;
    }
    let s3 = s3_client(moto, region);
    for bucket in &stack.buckets {
        s3.create_bucket().bucket(&bucket.name).send().await.with_context(|| format!("CreateBucket {}", bucket.name))?;
        if !bucket.cors.is_empty() {
            s3.put_bucket_cors()
                .bucket(&bucket.name)
                .cors_configuration(cors_configuration(&bucket.cors)?)
                .send()
                .await
                .with_context(|| format!("PutBucketCors {}", bucket.name))?;
        }
    }
    let sns_config = aws_sdk_sns::config::Builder::new()
        .behavior_version_latest()
        .region(aws_sdk_sns::config::Region::new(region.to_owned()))
        .endpoint_url(moto)
        .credentials_provider(aws_sdk_sns::config::Credentials::new("local", "local", None, None, "local-gateway"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    let sns = aws_sdk_sns::Client::from_conf(sns_config);
    for topic in &stack.topics {
        sns.create_topic().name(topic).send().await.with_context(|| format!("CreateTopic {topic}"))?;
    }
    Ok(())
}
