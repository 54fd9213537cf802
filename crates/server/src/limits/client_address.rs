//! Which address a request came from, for the per-client limits: the TCP
//! peer by default; behind a reverse proxy (the documented deployment, where
//! every peer is the proxy on loopback), what the proxy says in the header
//! named by `--client-ip-source` (`RightmostXForwardedFor` takes the entry
//! the proxy itself appended, which a client cannot forge). Put in the
//! request's extensions as a `ClientAddress`; absent when the server was
//! started without connection info (in-process tests).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::middleware::Next;
use axum::response::Response;
pub use axum_client_ip::ClientIpSource;
use axum_client_ip::ClientIp;
use moodchat_limits::ClientAddress;

/// The middleware (`axum::middleware::from_fn_with_state(source, ...)`).
pub async fn client_address_layer(
    axum::extract::State(source): axum::extract::State<ClientIpSource>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    if let Some(address) = client_address(&source, &mut parts).await {
        parts.extensions.insert(address);
    }
    next.run(Request::from_parts(parts, body)).await
}

async fn client_address(source: &ClientIpSource, parts: &mut axum::http::request::Parts) -> Option<ClientAddress> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip());
    parts.extensions.insert(source.clone());
    let said = ClientIp::from_request_parts(parts, &()).await.ok().map(|ClientIp(ip)| ip);
    parts.extensions.remove::<ClientIpSource>();
    // Without the header (a request straight to the server, not through the
    // proxy) the peer is the client.
    said.or(peer).map(ClientAddress::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request as HttpRequest;

    async fn address(source: ClientIpSource, peer: Option<&str>, headers: &[(&str, &str)]) -> Option<ClientAddress> {
        let mut request = HttpRequest::get("/").body(()).unwrap();
        for (name, value) in headers {
            request.headers_mut().insert(axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        }
        if let Some(peer) = peer {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer.parse().unwrap()));
        }
        let (mut parts, ()) = request.into_parts();
        client_address(&source, &mut parts).await
    }

    fn ip(text: &str) -> Option<ClientAddress> {
        Some(ClientAddress::new(text.parse().unwrap()))
    }

    #[tokio::test]
    async fn the_peer_unless_a_trusted_proxy_header_is_configured() {
        let forwarded = [("x-forwarded-for", "203.0.113.9, 198.51.100.4")];
        assert_eq!(address(ClientIpSource::ConnectInfo, Some("192.0.2.1:5000"), &forwarded).await, ip("192.0.2.1"));
        assert_eq!(
            address(ClientIpSource::RightmostXForwardedFor, Some("127.0.0.1:5000"), &forwarded).await,
            ip("198.51.100.4"),
            "the entry the proxy appended, not the one the client wrote"
        );
        assert_eq!(address(ClientIpSource::RightmostXForwardedFor, Some("127.0.0.1:5000"), &[]).await, ip("127.0.0.1"));
        assert_eq!(address(ClientIpSource::ConnectInfo, None, &[]).await, None);
    }
}
