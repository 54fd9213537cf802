//! infra/template.yaml as the gateway reads it: the functions and their
//! binaries, the WebSocket and HTTP APIs' wiring, the S3 notification, the
//! table, and Outputs that are exactly what scripts/write-config.sh needs.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use moodchat_local_gateway::site::config_json;
use moodchat_local_gateway::template::{LocalNames, Stack, Template};

const GATEWAY: &str = "http://127.0.0.1:4510";

fn repo() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())).join("../..")
}

fn stack() -> Stack {
    let template = Template::load(&repo().join("infra/template.yaml")).unwrap();
    let parameters = HashMap::from([("AmplifyOrigin".to_owned(), GATEWAY.to_owned())]);
    template.resolve(&LocalNames::default(), &parameters, GATEWAY).unwrap()
}

#[test]
fn every_function_is_a_binary_of_crates_aws_with_its_environment() {
    let stack = stack();
    let binaries: BTreeSet<&str> = stack.functions.values().map(|f| f.binary.as_str()).collect();
    assert_eq!(
        binaries,
        BTreeSet::from(["ws-authorizer", "ws-connect", "ws-disconnect", "ws-default", "http-api", "image-pipeline"])
    );
    let default = &stack.functions["WsDefaultFunction"];
    assert_eq!(default.memory_mb, 512);
    assert_eq!(default.timeout.as_secs(), 10, "Globals apply");
    assert_eq!(default.environment["MOODCHAT_TABLE_NAME"], "moodchat-local-Table");
    assert_eq!(default.environment["MOODCHAT_WS_ENDPOINT"], format!("{GATEWAY}/prod"), "the management API is the gateway");
    assert_eq!(default.environment["MOODCHAT_IMAGE_PIPELINE_FUNCTION"], "moodchat-local-ImagePipelineFunction");
    let authorizer = &stack.functions["WsAuthorizerFunction"];
    let issuer = format!("{GATEWAY}/idp/{}", LocalNames::default().user_pool_id);
    assert_eq!(authorizer.environment["MOODCHAT_COGNITO_ISSUER"], issuer, "Cognito is the embedded identity provider");
    assert_eq!(authorizer.environment["MOODCHAT_COGNITO_JWKS_URL"], format!("{issuer}/.well-known/jwks.json"));
    let pipeline = &stack.functions["ImagePipelineFunction"];
    let bucket = &stack.buckets[0].name;
    assert_eq!(&pipeline.environment["MOODCHAT_BUCKET_NAME"], bucket, "the computed name and the bucket agree");
    assert_eq!(default.environment["MOODCHAT_BUCKET_NAME"], *bucket);
}

#[test]
fn the_websocket_api_routes_by_action_with_an_authorizer_on_connect() {
    let stack = stack();
    let api = stack.websocket.expect("a WebSocket API");
    assert_eq!(api.stage, "prod");
    assert_eq!(api.route_selection_expression, "$request.body.action");
    let routes: HashMap<&str, &str> = api.routes.iter().map(|r| (r.key.as_str(), r.function.as_str())).collect();
    assert_eq!(
        routes,
        HashMap::from([("$connect", "WsConnectFunction"), ("$disconnect", "WsDisconnectFunction"), ("$default", "WsDefaultFunction")])
    );
    let connect = api.routes.iter().find(|r| r.key == "$connect").unwrap();
    let authorizer = connect.authorizer.as_ref().expect("$connect is authorized");
    assert_eq!(authorizer.function, "WsAuthorizerFunction");
    assert_eq!(authorizer.identity_sources, vec!["route.request.querystring.token"]);
    assert!(api.routes.iter().filter(|r| r.key != "$connect").all(|r| r.authorizer.is_none()));
}

#[test]
fn the_http_api_is_behind_the_cognito_jwt_authorizer() {
    let stack = stack();
    let api = stack.http.expect("an HTTP API");
    assert_eq!(api.routes.len(), 1);
    assert_eq!((api.routes[0].method.as_str(), api.routes[0].path.as_str()), ("ANY", "/api/{proxy+}"));
    assert!(api.routes[0].authorized);
    let jwt = api.jwt.expect("a JWT authorizer");
    assert_eq!(jwt.issuer, format!("{GATEWAY}/idp/{}", LocalNames::default().user_pool_id));
    assert_eq!(jwt.audience, vec![LocalNames::default().client_id]);
    assert_eq!(api.cors.unwrap().allow_origins, vec![GATEWAY.to_owned()]);
}

#[test]
fn uploads_notify_the_image_pipeline_and_the_table_has_its_indexes() {
    let stack = stack();
    let notification = &stack.s3_notifications[0];
    assert_eq!(notification.function, "ImagePipelineFunction");
    assert_eq!(notification.prefix, "uploads/");
    assert_eq!(notification.bucket, stack.buckets[0].name);
    assert!(stack.buckets[0].name.starts_with("moodchat-images-"));
    let table = &stack.tables[0];
    let indexes: Vec<&str> = table.properties["GlobalSecondaryIndexes"].as_array().unwrap().iter().map(|i| i["IndexName"].as_str().unwrap()).collect();
    assert_eq!(indexes, vec!["GSI1", "GSI2"]);
    assert_eq!(table.properties["TimeToLiveSpecification"]["AttributeName"], "expires_at");
    assert_eq!(table.properties["BillingMode"], "PAY_PER_REQUEST");
}

/// The variables write-config.sh requires, read from the script itself.
fn write_config_variables() -> BTreeSet<String> {
    let script = std::fs::read_to_string(repo().join("scripts/write-config.sh")).unwrap();
    let line = script.lines().find(|l| l.starts_with("required=(")).expect("write-config.sh lists its required variables");
    line.trim_start_matches("required=(").trim_end_matches(')').split_whitespace().map(str::to_owned).collect()
}

#[test]
fn outputs_are_exactly_write_configs_variables_and_make_a_local_config() {
    let stack = stack();
    let outputs: BTreeSet<String> = stack.outputs.iter().map(|o| o.description.clone()).collect();
    assert_eq!(outputs, write_config_variables());
    let config = config_json(&stack, &format!("{GATEWAY}/idp/"), 600).unwrap();
    assert_eq!(config["api_url"], format!("{GATEWAY}/api"));
    assert_eq!(config["ws_url"], "ws://127.0.0.1:4510/prod");
    assert_eq!(config["cognito"]["user_pool_id"], LocalNames::default().user_pool_id);
    assert_eq!(config["cognito"]["region"], "us-east-1");
    assert_eq!(config["cognito"]["endpoint"], format!("{GATEWAY}/idp/"));
}

#[test]
fn parameters_without_defaults_must_be_given() {
    let template = Template::load(&repo().join("infra/template.yaml")).unwrap();
    let error = template.resolve(&LocalNames::default(), &HashMap::new(), GATEWAY).unwrap_err();
    assert!(format!("{error:#}").contains("AmplifyOrigin"), "{error:#}");
}
