//! `local-gateway`: the local serverless stack in one command. Reads
//! infra/template.yaml, optionally starts DynamoDB Local and moto and creates
//! the template's table, bucket and topic in them, then serves API Gateway's
//! WebSocket and HTTP APIs, the Lambda APIs, the identity provider and the
//! web app on one address. Prints `local-gateway listening on <url>`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use moodchat_local_gateway::server::{self, GatewayOptions};
use moodchat_local_gateway::services;
use moodchat_local_gateway::template::{parse_parameters, LocalNames};
use moodchat_local_gateway::websocket::Limits;

#[derive(Parser, Debug)]
#[command(version, about = "Runs infra/template.yaml locally: API Gateway, Lambda, and the stand-ins for Cognito, DynamoDB, S3 and SNS")]
struct Cli {
    /// The SAM template to run.
    #[arg(long, default_value = "infra/template.yaml")]
    template: PathBuf,
    /// Where to listen (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:4510")]
    addr: String,
    /// Directory of the functions' binaries (cargo's output directory).
    #[arg(long, env = "MOODCHAT_LAMBDA_BIN_DIR")]
    binary_dir: PathBuf,
    /// `LogicalId=path`: run this binary for that function instead.
    #[arg(long = "function")]
    functions: Vec<String>,
    /// `Name=value`: a template parameter (AmplifyOrigin defaults to the gateway's URL).
    #[arg(long = "parameter")]
    parameters: Vec<String>,
    /// The built web app to serve, with a /config.json pointing here.
    #[arg(long)]
    dist: Option<PathBuf>,
    /// The identity provider's data directory (default: a new temporary one).
    #[arg(long)]
    idp_data_dir: Option<PathBuf>,
    /// Confirm sign-ups at once, without a code.
    #[arg(long)]
    auto_confirm: bool,
    /// Start DynamoDB Local and moto and create the template's resources in them.
    #[arg(long)]
    start_services: bool,
    /// Use a running DynamoDB Local instead (with --provision to create the table).
    #[arg(long)]
    dynamodb_endpoint: Option<String>,
    /// Use a running moto server instead.
    #[arg(long)]
    moto_endpoint: Option<String>,
    /// Create the template's table, buckets and topics in the given services.
    #[arg(long)]
    provision: bool,
    /// Concurrent instances per function.
    #[arg(long, default_value_t = 8)]
    max_instances: usize,
    /// WebSocket idle timeout (API Gateway: 600).
    #[arg(long, default_value_t = 600)]
    idle_timeout_secs: u64,
    /// WebSocket maximum connection duration (API Gateway: 7200).
    #[arg(long, default_value_t = 7200)]
    max_connection_secs: u64,
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let mut binary_overrides = HashMap::new();
    for (function, path) in parse_parameters(&cli.functions)? {
        binary_overrides.insert(function, PathBuf::from(path));
    }
    let (mut dynamodb, mut moto, mut provision) = (cli.dynamodb_endpoint.clone(), cli.moto_endpoint.clone(), cli.provision);
    let mut running = Vec::new();
    if cli.start_services {
        let (ddb, moto_server) = tokio::try_join!(services::start_dynamodb_local(), services::start_moto())?;
        eprintln!("{} at {}; {} at {}", ddb.name, ddb.endpoint, moto_server.name, moto_server.endpoint);
        dynamodb = Some(ddb.endpoint.clone());
        moto = Some(moto_server.endpoint.clone());
        provision = true;
        running.push(ddb);
        running.push(moto_server);
    }
    let idp_dir = match &cli.idp_data_dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temporary = tempfile::tempdir().context("cannot make a temporary directory")?;
            (temporary.path().to_owned(), Some(temporary))
        }
    };
    let listener = tokio::net::TcpListener::bind(&cli.addr).await.with_context(|| format!("cannot listen on {}", cli.addr))?;
    let gateway = server::start(
        listener,
        GatewayOptions {
            template: cli.template,
            parameters: parse_parameters(&cli.parameters)?,
            names: LocalNames::default(),
            binary_dir: cli.binary_dir,
            binary_overrides,
            max_instances: cli.max_instances,
            limits: Limits {
                idle_timeout: Duration::from_secs(cli.idle_timeout_secs),
                max_duration: Duration::from_secs(cli.max_connection_secs),
                ..Limits::default()
            },
            dist: cli.dist,
            idp_data_dir: idp_dir.0,
            auto_confirm: cli.auto_confirm,
            dynamodb_endpoint: dynamodb,
            moto_endpoint: moto,
            provision,
        },
    )
    .await?;
    println!("local-gateway listening on {}", gateway.url);
    tokio::select! {
        result = gateway.wait() => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
