//! Starting and stopping the real `moodchat serve` process.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{bail, Context};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::DEADLINE;

pub struct Server {
    child: Option<Child>,
    addr: SocketAddr,
    data_dir: PathBuf,
    extra_args: Vec<String>,
    /// Keeps the temporary data directory alive as long as the server.
    _temp: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts a server on a free loopback port with a fresh data directory.
    pub async fn start(extra_args: &[&str]) -> anyhow::Result<Server> {
        let temp = tempfile::tempdir()?;
        let data_dir = temp.path().join("data");
        let extra_args: Vec<String> = extra_args.iter().map(|s| s.to_string()).collect();
        let (child, addr) = spawn("127.0.0.1:0".parse()?, &data_dir, &extra_args).await?;
        Ok(Server { child: Some(child), addr, data_dir, extra_args, _temp: Some(temp) })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Where it listens (the same across restarts).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Kills the process (SIGKILL: nothing gets a chance to flush), as a crash would.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill().await?;
        }
        Ok(())
    }

    /// Starts the server again on the same address and data directory.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill().await?;
        let (child, addr) = spawn(self.addr, &self.data_dir, &self.extra_args).await?;
        self.child = Some(child);
        self.addr = addr;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
    }
}

fn binary() -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("MOODCHAT_BIN")
        .map(PathBuf::from)
        .context("MOODCHAT_BIN is not set: run the end-to-end tests through scripts/test.sh")?;
    if !path.is_file() {
        bail!("MOODCHAT_BIN={} does not exist: build it with `cargo build -p moodchat-server`", path.display());
    }
    Ok(path)
}

/// The built SPA the server serves (`MOODCHAT_DIST_DIR`).
pub(crate) fn dist_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::var_os("MOODCHAT_DIST_DIR")
        .map(PathBuf::from)
        .context("MOODCHAT_DIST_DIR is not set: run the end-to-end tests through scripts/test.sh")?;
    if !dir.join("index.html").is_file() {
        bail!("{} has no index.html: build the SPA with `trunk build --release`", dir.display());
    }
    Ok(dir)
}

/// The URL of a web worker's loader in the built app: scripts/build_app.py
/// puts each worker's files in a directory named after their contents,
/// `<worker>-<hash>/`.
pub fn worker_url(worker: &str) -> anyhow::Result<String> {
    let (dist, loader, prefix) = (dist_dir()?, format!("{worker}_loader.js"), format!("{worker}-"));
    for entry in std::fs::read_dir(&dist)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && dist.join(&name).join(&loader).is_file() {
            return Ok(format!("/{name}/{loader}"));
        }
    }
    bail!("no {prefix}<hash>/{loader} in the built app")
}

/// Spawns the server and reads the "listening on" line it prints, which
/// carries the real port when it was 0.
async fn spawn(addr: SocketAddr, data_dir: &Path, extra_args: &[String]) -> anyhow::Result<(Child, SocketAddr)> {
    let mut child = Command::new(binary()?)
        .arg("serve")
        .arg("--addr")
        .arg(addr.to_string())
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--dist-dir")
        .arg(dist_dir()?)
        // Accounts are confirmed with the code from the dev outbox, which is
        // off unless asked for; every browser of a test signs up and in from
        // 127.0.0.1, faster than one client address may in production.
        .args(["--dev-outbox", "--sign-up-rate", "1000/min", "--sign-in-rate", "1000/min"])
        .args(extra_args)
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("spawn moodchat")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(DEADLINE, lines.next_line())
        .await
        .context("the server did not say where it listens in time")??
        .context("the server exited before listening")?;
    let url = line
        .strip_prefix("moodchat listening on http://")
        .with_context(|| format!("unexpected first line: {line}"))?;
    let addr: SocketAddr = url.trim().parse()?;
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, addr))
}
