//! One function's execution environments: a queue of invocations, processes
//! that take them one at a time through the Runtime API, and the bookkeeping
//! that decides when to start another process (a cold start).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot};

use super::runtime_api::{self, Instance};
use super::Outcome;
use crate::template::FunctionDef;

/// One queued invocation.
pub(super) struct Invocation {
    pub request_id: String,
    pub payload: Vec<u8>,
    pub reply: oneshot::Sender<Outcome>,
}

#[derive(Default)]
struct Counts {
    /// Processes started and not yet exited.
    instances: usize,
    /// Processes waiting in `/next`.
    idle: usize,
    /// Invocations in the queue.
    queued: usize,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct PoolStats {
    pub invocations: u64,
    pub cold_starts: u64,
    pub instances: usize,
}

pub struct FunctionPool {
    def: FunctionDef,
    binary: PathBuf,
    environment: BTreeMap<String, String>,
    max_instances: usize,
    queue: mpsc::UnboundedSender<Invocation>,
    pub(super) receiver: tokio::sync::Mutex<mpsc::UnboundedReceiver<Invocation>>,
    counts: Mutex<Counts>,
    invocations: AtomicU64,
    cold_starts: AtomicU64,
}

impl FunctionPool {
    pub fn new(def: FunctionDef, binary: PathBuf, environment: BTreeMap<String, String>, max_instances: usize) -> Self {
        let (queue, receiver) = mpsc::unbounded_channel();
        Self {
            def,
            binary,
            environment,
            max_instances: max_instances.max(1),
            queue,
            receiver: tokio::sync::Mutex::new(receiver),
            counts: Mutex::default(),
            invocations: AtomicU64::new(0),
            cold_starts: AtomicU64::new(0),
        }
    }

    pub fn def(&self) -> &FunctionDef {
        &self.def
    }

    pub fn binary(&self) -> &Path {
        &self.binary
    }

    pub fn stats(&self) -> PoolStats {
        PoolStats {
            invocations: self.invocations.load(Ordering::Relaxed),
            cold_starts: self.cold_starts.load(Ordering::Relaxed),
            instances: self.counts.lock().unwrap_or_else(|p| p.into_inner()).instances,
        }
    }

    /// A synchronous invocation (`RequestResponse`): waits for the outcome.
    pub async fn invoke(self: &Arc<Self>, payload: Vec<u8>) -> Outcome {
        if !self.binary.is_file() {
            return Outcome::error(
                "Runtime.InvalidEntrypoint",
                format!("{} is not built: no binary at {}", self.def.logical_id, self.binary.display()),
            );
        }
        self.invocations.fetch_add(1, Ordering::Relaxed);
        let (reply, outcome) = oneshot::channel();
        let invocation = Invocation { request_id: crate::request_id(), payload, reply };
        {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            counts.queued += 1;
        }
        if self.queue.send(invocation).is_err() {
            return Outcome::error("ServiceException", "the function's queue is closed");
        }
        self.start_instances_if_needed();
        outcome.await.unwrap_or_else(|_| Outcome::error("ServiceException", "the invocation was dropped"))
    }

    /// An asynchronous invocation (`Event`, S3 notifications): Lambda retries
    /// a failed one twice; locally after 1 and 2 seconds instead of minutes.
    pub fn invoke_async(self: &Arc<Self>, payload: Vec<u8>) {
        let pool = self.clone();
        tokio::spawn(async move {
            for attempt in 0..3u64 {
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_secs(attempt)).await;
                }
                match pool.invoke(payload.clone()).await {
                    Outcome::Response(_) => return,
                    Outcome::Error(error) => {
                        tracing::warn!(function = %pool.def.logical_id, attempt, %error, "asynchronous invocation failed")
                    }
                }
            }
        });
    }

    /// Starts a process when invocations wait and no process is free.
    fn start_instances_if_needed(self: &Arc<Self>) {
        let start = {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            let start = counts.queued > counts.idle && counts.instances < self.max_instances;
            if start {
                counts.instances += 1;
            }
            start
        };
        if start {
            self.cold_starts.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(self.clone().run_instance());
        }
    }

    pub(super) fn idle_changed(&self, delta: isize) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.idle = counts.idle.saturating_add_signed(delta);
    }

    pub(super) fn dequeued(&self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.queued = counts.queued.saturating_sub(1);
    }

    /// One execution environment, from start to exit.
    async fn run_instance(self: Arc<Self>) {
        let name = self.def.logical_id.clone();
        let instance = Arc::new(Instance::new(self.clone()));
        let served = match self.clone().spawn_and_wait(&instance).await {
            Ok(status) => {
                tracing::debug!(function = %name, %status, "instance exited");
                (instance.served(), format!("Runtime exited with error: {status}"))
            }
            Err(error) => (false, format!("cannot start {}: {error:#}", self.binary.display())),
        };
        if let Some(in_flight) = instance.take_in_flight() {
            let _ = in_flight.reply.send(Outcome::error("Runtime.ExitError", format!("RequestId: {} Error: {}", in_flight.request_id, served.1)));
        } else if !served.0 {
            // It died before taking anything (an init failure): fail one
            // waiting invocation instead of starting processes forever.
            self.fail_one_queued(&served.1);
        }
        {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            counts.instances -= 1;
        }
        self.start_instances_if_needed();
    }

    fn fail_one_queued(&self, message: &str) {
        if let Ok(mut receiver) = self.receiver.try_lock() {
            if let Ok(invocation) = receiver.try_recv() {
                self.dequeued();
                let _ = invocation.reply.send(Outcome::error("Runtime.ExitError", message.to_owned()));
            }
        }
    }

    async fn spawn_and_wait(self: Arc<Self>, instance: &Arc<Instance>) -> anyhow::Result<std::process::ExitStatus> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = tokio::spawn({
            let router = runtime_api::router(instance.clone());
            async move { axum::serve(listener, router).await }
        });
        let mut command = Command::new(&self.binary);
        command
            .env_clear()
            .envs(&self.def.environment)
            .envs(&self.environment)
            .envs(self.lambda_environment(&address.to_string()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(error) => {
                server.abort();
                return Err(error.into());
            }
        };
        forward_logs(self.def.logical_id.clone(), child.stdout.take());
        forward_logs(self.def.logical_id.clone(), child.stderr.take());
        let status = tokio::select! {
            status = child.wait() => status?,
            _ = instance.killed() => {
                let _ = child.start_kill();
                child.wait().await?
            }
        };
        server.abort();
        Ok(status)
    }

    /// The variables Lambda sets for a custom runtime.
    fn lambda_environment(&self, runtime_api: &str) -> Vec<(String, String)> {
        let directory = self.binary.parent().map(|p| p.display().to_string()).unwrap_or_default();
        let date = time::OffsetDateTime::now_utc().date();
        [
            ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
            ("AWS_LAMBDA_FUNCTION_NAME", self.def.name.clone()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", self.def.memory_mb.to_string()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", self.def.name)),
            ("AWS_LAMBDA_LOG_STREAM_NAME", format!("{date}/[$LATEST]{}", uuid::Uuid::new_v4().simple())),
            ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
            ("_HANDLER", "bootstrap".to_owned()),
            ("LAMBDA_TASK_ROOT", directory.clone()),
            ("LAMBDA_RUNTIME_DIR", directory),
            ("TZ", ":UTC".to_owned()),
            ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

/// A function's output lines, prefixed with its logical id (CloudWatch's
/// log stream, locally).
fn forward_logs(function: String, stream: Option<impl AsyncRead + Unpin + Send + 'static>) {
    let Some(stream) = stream else { return };
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("[{function}] {line}");
        }
    });
}
