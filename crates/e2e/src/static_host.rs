//! The built SPA served alone while the real server is down: what a CDN or
//! Amplify Hosting keeps doing when the chat backend is unreachable. With it
//! a test can reload the app "offline": the page, its assets and
//! `/config.json` load, every `/api` and `/idp` request (the WebSocket too)
//! gets a 503.
//!
//! The same host serves the app on an origin of its own in front of the
//! local serverless stack (`LocalStack`), where the app's config points
//! every API at the gateway.
//!
//! A deliberately small HTTP/1.1 server: GET only, one request per
//! connection (`Connection: close`), files from the dist directory, and
//! index.html for app routes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::Server;

pub struct StaticHost {
    accept: JoinHandle<()>,
}

impl StaticHost {
    /// Serves the SPA on the address of `server`, which must be stopped
    /// (killed) first; `config_json` is the document the server gave.
    pub async fn start(server: &Server, config_json: String) -> anyhow::Result<StaticHost> {
        let addr: SocketAddr = server.addr();
        let listener = TcpListener::bind(addr).await.with_context(|| format!("bind {addr} for the static host"))?;
        Ok(Self::serve(listener, crate::server::dist_dir()?, config_json))
    }

    /// Serves the SPA on `listener` with `config_json` as its
    /// `/config.json`: the web app's own origin, as on Amplify Hosting,
    /// when its backend is elsewhere (the local serverless stack).
    pub fn serve(listener: TcpListener, dist: PathBuf, config_json: String) -> StaticHost {
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (dist, config_json) = (dist.clone(), config_json.clone());
                tokio::spawn(async move {
                    let _ = answer(stream, &dist, &config_json).await;
                });
            }
        });
        StaticHost { accept }
    }

    /// Stops listening, so the real server can have its address back.
    pub async fn stop(self) {
        self.accept.abort();
        let _ = self.accept.await;
    }
}

async fn answer(mut stream: TcpStream, dist: &Path, config_json: &str) -> anyhow::Result<()> {
    // The request head; bodies are never read (the app only GETs here, and
    // its POSTs to /api are refused anyway).
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");

    let (status, content_type, body) = if path == "/config.json" {
        ("200 OK", "application/json", config_json.as_bytes().to_vec())
    } else if path.starts_with("/api") || path.starts_with("/idp") {
        let body = br#"{"code":"internal","message":"the chat server is down"}"#.to_vec();
        ("503 Service Unavailable", "application/json", body)
    } else {
        let file = dist.join(path.trim_start_matches('/'));
        let safe = !path.contains("..");
        let file = if safe && file.is_file() { file } else { dist.join("index.html") };
        ("200 OK", content_type(&file), std::fs::read(&file)?)
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.write_all(&body).await?;
    stream.shutdown().await?;
    Ok(())
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript",
        "wasm" => "application/wasm",
        "css" => "text/css",
        "json" | "webmanifest" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}
