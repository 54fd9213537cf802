//! What the adapter tests share: one DynamoDB Local per test binary (a
//! shared runtime keeps it), and a fresh table per test, created from
//! infra/template.yaml's own definition under a name of its own.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use moodchat_aws::sdk::Environment;
use moodchat_aws::Table;
use moodchat_local_gateway::services::{self, Service};
use moodchat_local_gateway::template::{LocalNames, TableDef, Template};
use moodchat_local_gateway::provision;

pub const REGION: &str = "us-east-1";

/// How often `eventually` asks again.
const PROBE_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// Polls `probe` until it yields a value, failing the test with `what` after
/// `limit`: for what happens in another process (an S3 notification's
/// function run), with no fixed wait.
pub async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    limit: std::time::Duration,
    mut probe: impl FnMut() -> F,
) -> T {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: not within {limit:?}");
        // The pause between two probes, not a wait for the outcome.
        tokio::time::sleep(PROBE_EVERY).await;
    }
}

pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap())
}

/// Runs a test's future on the shared runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

fn dynamodb() -> &'static Service {
    static DYNAMODB: OnceLock<Service> = OnceLock::new();
    DYNAMODB.get_or_init(|| {
        block_on(services::start_dynamodb_local_until_exit()).expect("DynamoDB Local (scripts/setup.sh --aws, scripts/env.sh)")
    })
}

pub fn dynamodb_endpoint() -> String {
    dynamodb().endpoint.clone()
}

fn moto() -> &'static Service {
    static MOTO: OnceLock<Service> = OnceLock::new();
    MOTO.get_or_init(|| block_on(services::start_moto_until_exit()).expect("moto (scripts/setup.sh --aws, scripts/env.sh)"))
}

/// moto's endpoint (S3, SNS), one server for the test binary.
pub fn moto_endpoint() -> String {
    moto().endpoint.clone()
}

/// A new, empty bucket in moto, and an S3 client for it.
pub fn fresh_bucket() -> (aws_sdk_s3::Client, String) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let client = Environment::local(REGION).s3(Some(&moto_endpoint()));
    let name = format!("moodchat-images-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    block_on(client.create_bucket().bucket(&name).send()).unwrap();
    (client, name)
}

/// The template's table definition (resolved as the local gateway does).
pub fn table_definition() -> TableDef {
    let template = Template::load(&PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())).join("../../infra/template.yaml")).unwrap();
    let parameters = HashMap::from([("AmplifyOrigin".to_owned(), "http://127.0.0.1:1".to_owned())]);
    let stack = template.resolve(&LocalNames::default(), &parameters, "http://127.0.0.1:1").unwrap();
    stack.tables[0].clone()
}

/// A new, empty table of the template's design.
pub fn fresh_table() -> Table {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let endpoint = dynamodb_endpoint();
    let mut definition = table_definition();
    definition.name = format!("{}-{}-{}", definition.name, std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let client = Environment::local(REGION).dynamodb(Some(&endpoint));
    block_on(provision::create_table(&provision::dynamodb_client(&endpoint, REGION), &definition)).unwrap();
    Table::new(client, definition.name)
}
