//! The real `moodchat` binary in a child process: what a test can only see
//! from outside (peak memory from /proc, everything it logs, behaviour under
//! a lowered file descriptor limit). Killed when dropped.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Process {
    pub child: Child,
    pub addr: SocketAddr,
    pub base: String,
    pub log: PathBuf,
    pub data: tempfile::TempDir,
}

/// How the child is started, beyond `serve --addr 127.0.0.1:0 --data-dir <tmp>`.
#[derive(Default)]
pub struct Options<'a> {
    pub args: &'a [&'a str],
    /// `RUST_LOG` (default `warn`).
    pub log_level: Option<&'a str>,
    /// Soft and hard `RLIMIT_NOFILE` of the child.
    pub nofile: Option<u64>,
    /// Serve this data directory (another process's) instead of a fresh one.
    pub data_dir: Option<&'a Path>,
}

impl Process {
    pub fn start(options: Options<'_>) -> Process {
        let data = tempfile::tempdir().unwrap();
        let log = data.path().join("server.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_moodchat"));
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(options.data_dir.map_or_else(|| data.path().join("data"), Path::to_path_buf))
            .arg("--dist-dir")
            .arg(data.path().join("no-dist"))
            .args(options.args)
            .env("RUST_LOG", options.log_level.unwrap_or("warn"))
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        if let Some(limit) = options.nofile {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                command.pre_exec(move || rlimit::setrlimit(rlimit::Resource::NOFILE, limit, limit));
            }
        }
        let mut child = command.spawn().expect("the moodchat binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let line = lines.next().expect("a first line").expect("readable stdout");
        let addr: SocketAddr =
            line.strip_prefix("moodchat listening on http://").unwrap_or_else(|| panic!("{line}")).trim().parse().unwrap();
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Process { child, addr, base: format!("http://{addr}"), log, data }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Resident memory now and at its peak, in KiB (/proc/<pid>/status).
    pub fn memory_kib(&self) -> (u64, u64) {
        memory_kib(self.child.id())
    }

    /// Everything logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data.path().join("data")
    }

    /// Whether it still runs.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGTERM, then wait (bounded) for a graceful exit.
    pub fn stop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
pub fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Files in a directory tree (recursively), for "nothing left behind".
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}
