//! Accepting and serving connections, with the bounds `axum::serve` does not
//! offer: a deadline for a request's headers (slowloris: a byte every few
//! seconds keeps a connection, and its file descriptor, forever), a deadline
//! for a stalled response (a peer that reads nothing), a deadline between the
//! chunks of a request body, and a cap on open connections kept below the
//! process's file descriptor limit, so that accepting never fails for lack of
//! descriptors and the database and images can always be opened.
//!
//! At the cap the server stops accepting until a connection ends; newcomers
//! wait in the kernel's backlog, and the header deadline frees the slots of
//! clients that send nothing. Only HTTP/1.1 is served (browsers speak it to
//! a plain-HTTP origin, proxies to their upstream), which also keeps HTTP/2's
//! own denial-of-service classes out.

mod fd_limit;
mod guarded_io;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

pub use fd_limit::connection_cap;
use guarded_io::GuardedIo;

/// How long in-flight requests may take to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The connection bounds; `Default` is what docs/security.md lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// A request's headers must arrive within this (counted from the first
    /// byte the server waits for; also closes idle keep-alive connections).
    pub header_read_timeout: Duration,
    /// A request body may pause at most this long between chunks.
    pub body_read_timeout: Duration,
    /// A response (or WebSocket frame) may wait at most this long for the
    /// peer to read any of it.
    pub write_timeout: Duration,
    /// Open connections (WebSockets included) at most; lowered further to
    /// fit the file descriptor limit.
    pub max_connections: usize,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(15),
            body_read_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(60),
            max_connections: 4096,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets
/// requests in flight finish (for a while). Every request carries
/// `ConnectInfo<SocketAddr>` (the TCP peer).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ConnectionSettings,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let cap = connection_cap(settings.max_connections);
    let slots = Arc::new(Semaphore::new(cap));
    let router = router.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(settings.body_read_timeout));
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder.http1().timer(TokioTimer::new()).header_read_timeout(settings.header_read_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);

    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(GuardedIo::new(stream, slot, settings.write_timeout));
        let service = TowerToHyperService::new(router.clone().map_request(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request.map(Body::new)
        }));
        let connection = graceful.watch(builder.serve_connection_with_upgrades(io, service).into_owned());
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still running after the shutdown grace period; stopping anyway");
    }
    Ok(())
}

/// Accepting can fail for reasons that pass (the peer gave up, or, despite
/// the cap, descriptors ran out because files are open): wait a moment
/// rather than spin.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::warn!(%error, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
