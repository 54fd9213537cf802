//! Cold and warm invocation times through the local gateway, measured from
//! outside: this process starts `local-gateway` (a separate process, running
//! infra/template.yaml with the gateway's own test function as every
//! function) and times invocations over HTTP (the Lambda Invoke API) and
//! WebSocket round trips (a frame to `$default`, the reply through
//! `@connections`).
//!
//!     cargo build -p moodchat-local-gateway --bins   # (or --profile server)
//!     $CARGO_TARGET_DIR/debug/gateway-bench [--warm 300] [--cold 20]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what:<44} n={:<4} p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        samples.len(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.9)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap())
    );
}

fn flag(name: &str, default: usize) -> usize {
    let arguments: Vec<String> = std::env::args().collect();
    arguments.iter().position(|a| a == name).and_then(|i| arguments.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<()> {
    let (warm, cold) = (flag("--warm", 300), flag("--cold", 20));
    let here = std::env::current_exe()?.parent().map(PathBuf::from).ok_or_else(|| anyhow!("no directory"))?;
    let function = here.join("gateway-test-function");
    let repo = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())).join("../..");
    let mut command = tokio::process::Command::new(here.join("local-gateway"));
    command
        .args(["--addr", "127.0.0.1:0", "--auto-confirm", "--template"])
        .arg(repo.join("infra/template.yaml"))
        .arg("--binary-dir")
        .arg(&here);
    for logical_id in ["WsAuthorizerFunction", "WsConnectFunction", "WsDisconnectFunction", "WsDefaultFunction", "ImagePipelineFunction", "HttpApiFunction"] {
        command.arg("--function").arg(format!("{logical_id}={}", function.display()));
    }
    let mut gateway = command.stdout(Stdio::piped()).stderr(Stdio::null()).kill_on_drop(true).spawn().context("start local-gateway (build it first)")?;
    let mut lines = BufReader::new(gateway.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next_line().await?.ok_or_else(|| anyhow!("local-gateway exited"))?;
        if let Some(url) = line.strip_prefix("local-gateway listening on ") {
            break url.to_owned();
        }
    };
    let http = reqwest::Client::new();
    let invoke = format!("{url}/2015-03-31/functions/moodchat-local-ImagePipelineFunction/invocations");

    // Cold: every invocation after the instance was made to exit starts a new process.
    let mut colds = Vec::new();
    for _ in 0..cold {
        let _ = http.post(&invoke).body(r#"{"exit": true}"#).send().await?;
        let started = Instant::now();
        let answer: Value = http.post(&invoke).body("{}").send().await?.json().await?;
        colds.push(started.elapsed());
        answer.get("pid").ok_or_else(|| anyhow!("unexpected answer {answer}"))?;
    }
    let mut warms = Vec::new();
    for _ in 0..warm {
        let started = Instant::now();
        http.post(&invoke).body("{}").send().await?.bytes().await?;
        warms.push(started.elapsed());
    }
    report("Invoke API, cold start (new process)", colds);
    report("Invoke API, warm", warms);

    let ws_url = format!("{}/prod?token=good", url.replace("http://", "ws://"));
    let started = Instant::now();
    let (mut socket, _) = tokio_tungstenite::connect_async(&ws_url).await?;
    println!("{:<44} {:.2} ms (authorizer + $connect, both cold)", "WebSocket connect", started.elapsed().as_secs_f64() * 1000.0);
    let mut round_trips = Vec::new();
    for i in 0..warm {
        let started = Instant::now();
        socket.send(Message::Text(json!({"action": "pid", "i": i}).to_string().into())).await?;
        loop {
            match tokio::time::timeout(Duration::from_secs(10), socket.next()).await? {
                Some(Ok(Message::Text(_))) => break,
                Some(Ok(_)) => continue,
                other => return Err(anyhow!("no reply: {other:?}")),
            }
        }
        round_trips.push(started.elapsed());
    }
    report("WebSocket frame -> $default -> @connections", round_trips);
    Ok(())
}
