//! Request logs without credentials. tower-http's default span records the
//! whole URI, and URIs carry secrets: the id token of `GET /api/ws?token=`,
//! the signature of every blob URL (`?sig=`), the address of the dev outbox
//! (`?email=`). The span here keeps the path and the names of query
//! parameters, and the values only of those known to be harmless.

use axum::http::{Request, Uri};
use tower_http::trace::MakeSpan;
use tracing::Span;

/// Query parameters whose values may be logged: cursors, sizes, flags.
const HARMLESS: [&str; 7] = ["before", "after", "limit", "discover", "since", "exp", "size"];
const REDACTED: &str = "REDACTED";

/// `TraceLayer::new_for_http().make_span_with(RedactedSpan)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct RedactedSpan;

impl<B> MakeSpan<B> for RedactedSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        tracing::debug_span!(
            "request",
            method = %request.method(),
            uri = %redacted(request.uri()),
            version = ?request.version(),
        )
    }
}

/// The path, and the query with every value not known to be harmless
/// replaced.
pub fn redacted(uri: &Uri) -> String {
    let Some(query) = uri.query() else { return uri.path().to_owned() };
    let parameters: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if HARMLESS.contains(&name) => format!("{name}={value}"),
            Some((name, _)) => format!("{name}={REDACTED}"),
            None => pair.to_owned(),
        })
        .collect();
    format!("{}?{}", uri.path(), parameters.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> String {
        redacted(&text.parse().unwrap())
    }

    #[test]
    fn tokens_signatures_and_addresses_never_reach_the_log() {
        assert_eq!(uri("/api/ws?token=eyJhbGciOi.x.y"), "/api/ws?token=REDACTED");
        assert_eq!(
            uri("/api/blobs/rooms/lobby/01J.png?exp=17&size=9&by=eyJz&sig=abc"),
            "/api/blobs/rooms/lobby/01J.png?exp=17&size=9&by=REDACTED&sig=REDACTED"
        );
        assert_eq!(uri("/idp/outbox?email=a%40b.c"), "/idp/outbox?email=REDACTED");
        assert_eq!(uri("/api/rooms/lobby/messages?before=abc&limit=5"), "/api/rooms/lobby/messages?before=abc&limit=5");
        assert_eq!(uri("/api/rooms"), "/api/rooms");
        assert_eq!(uri("/api/x?flag&token=t"), "/api/x?flag&token=REDACTED");
    }
}
