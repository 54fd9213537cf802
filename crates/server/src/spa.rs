//! Serving the built SPA: files from the dist directory, `index.html` for
//! client-side routes (`/rooms/lobby`), a 404 for missing files (a missing
//! `.wasm` must never come back as HTML).
//!
//! Compressed: scripts/build_app.py writes a brotli (`.br`) and a gzip
//! (`.gz`) copy beside every file of a release build that compresses, at
//! the formats' highest levels. That is seconds of work for the 2 MB mood
//! worker, too slow per request and wasted at every start (the end-to-end
//! tests start this server dozens of times), so it is done once, when the
//! files are made. `ServeDir` sends the copy the request's `Accept-Encoding`
//! prefers (brotli first), or the file itself when there is no copy or the
//! client takes neither; `Vary: Accept-Encoding` keeps caches from mixing
//! them up.
//!
//! Cached: the content-hashed files (the app's `app-<hash>/` directory, each
//! worker's `<worker>-<hash>/`, `style-<hash>.css`) for a year, immutable;
//! everything else (index.html, the client routes) `no-cache`, revalidated
//! by `Last-Modified` / `If-Modified-Since`, which `ServeDir` answers with a
//! bodiless 304 when nothing changed.

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use tower::service_fn;
use tower_http::services::{ServeDir, ServeFile};

use crate::http_error::HttpError;

/// A year: hashed file names change whenever their content does.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else (index.html above all) is revalidated on each load, so a
/// deploy is picked up at the next reload.
const REVALIDATE: &str = "no-cache";

pub fn router(dist_dir: &Path) -> Router {
    let index = dist_dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(dist = %dist_dir.display(), "no built SPA here: run `trunk build --release` (the README's run command does)");
    }
    let client_routes = service_fn(move |request: Request<Body>| {
        let index = index.clone();
        async move { Ok::<_, Infallible>(client_route_or_404(request, index).await) }
    });
    let files = ServeDir::new(dist_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(client_routes);
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::map_response(caching_headers))
}

async fn client_route_or_404(request: Request<Body>, index: PathBuf) -> Response<Body> {
    let path = request.uri().path().to_owned();
    if under_an_api(&path) {
        return HttpError::not_found(format!("no API endpoint at {path}")).into_response();
    }
    if looks_like_a_file(&path) {
        return HttpError::not_found(format!("no file at {path}")).into_response();
    }
    if !index.is_file() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "moodchat: the web app is not built. Run `trunk build --release` or the README's run command.\n",
        )
            .into_response();
    }
    let mut index = ServeFile::new(index).precompressed_br().precompressed_gzip();
    match index.try_call(request).await {
        Ok(response) => response.map(Body::new),
        Err(error) => HttpError::new(moodchat_protocol::ErrorCode::Internal, error.to_string()).into_response(),
    }
}

/// The APIs mounted beside the app (crates/server/src/app.rs). A path
/// under them that none of their routes took still reaches this fallback:
/// axum's `nest("/api", ..)` leaves `/api/` to the outer router. It gets a
/// JSON 404, never the page.
const API_PREFIXES: [&str; 2] = ["/api", "/idp"];

fn under_an_api(path: &str) -> bool {
    API_PREFIXES.iter().any(|prefix| path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

/// Client routes have no extension in their last segment; files do.
fn looks_like_a_file(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

/// `Cache-Control` by kind of file, on the file and on its 304 alike (a 304
/// renews what the cache holds with the headers it carries), and `Vary`.
async fn caching_headers(path: axum::extract::OriginalUri, mut response: Response<Body>) -> Response<Body> {
    let status = response.status();
    let a_file = status.is_success() || status == StatusCode::NOT_MODIFIED;
    let cache_control = if a_file && is_hashed_asset(path.path()) { IMMUTABLE } else { REVALIDATE };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// trunk names its outputs `<name>-<hash>[_bg].<ext>`, the hash a 64-bit
/// number in hex without leading zeros: 16 digits usually, fewer now and
/// then (one build in 16 has 15). Eight or more hex digits is a hash; a word
/// such as `worker` is not. The app with its code-split chunks, and each web
/// worker, are in a directory named that way instead (`app-<hash>/`,
/// `moodchat-mood-worker-<hash>/`; scripts/build_app.py).
fn is_hashed_asset(path: &str) -> bool {
    let mut segments = path.trim_start_matches('/').split('/');
    let first = segments.next().unwrap_or_default();
    if segments.next().is_some() {
        return ends_in_a_hash(first);
    }
    let stem = first.split('.').next().unwrap_or(first);
    ends_in_a_hash(stem.strip_suffix("_bg").unwrap_or(stem))
}

/// `<name>-<hash>`.
fn ends_in_a_hash(name: &str) -> bool {
    name.rsplit_once('-').is_some_and(|(_, hash)| is_hash(hash))
}

fn is_hash(text: &str) -> bool {
    (8..=16).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed_asset("/moodchat-web-3f9c2a1b4d5e6f70_bg.wasm"));
        assert!(is_hashed_asset("/moodchat-web-3f9c2a1b4d5e6f70.js"));
        assert!(is_hashed_asset("/style-0123456789abcdef.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/config.json"));
        assert!(!is_hashed_asset("/moodchat-web.js"));
        assert!(!is_hashed_asset("/moodchat-srp-worker_loader.js"));
    }

    #[test]
    fn everything_in_a_hashed_directory_is_hashed() {
        assert!(is_hashed_asset("/app-3f9c2a1b4d5e6f70/moodchat-web_bg.wasm"));
        assert!(is_hashed_asset("/app-3f9c2a1b4d5e6f70/split_composer_14014924871999586092.wasm"));
        assert!(is_hashed_asset("/app-3f9c2a1b4d5e6f70/__wasm_split.js"));
        assert!(is_hashed_asset("/moodchat-mood-worker-0c4392c20092f00d/moodchat-mood-worker_bg.wasm"));
        assert!(is_hashed_asset("/moodchat-srp-worker-0c4392c20092f00d/moodchat-srp-worker_loader.js"));
        assert!(!is_hashed_asset("/app-latest/loader.js"));
        assert!(!is_hashed_asset("/moodchat-mood-worker/moodchat-mood-worker_bg.wasm"));
        assert!(!is_hashed_asset("/images/app-3f9c2a1b4d5e6f70/x.png"));
    }

    #[test]
    fn hashes_without_their_leading_zeros_are_still_hashes() {
        assert!(is_hashed_asset("/moodchat-web-6237c4392c20092_bg.wasm"));
        assert!(is_hashed_asset("/loader-0c4392c2.js"));
        assert!(!is_hashed_asset("/moodchat-web-6237c4.js"));
        assert!(!is_hashed_asset("/moodchat-web-6237c4392c2009200.js"));
    }

    #[test]
    fn api_paths_are_told_from_client_routes() {
        for path in ["/api", "/api/", "/api/rooms", "/idp", "/idp/outbox"] {
            assert!(under_an_api(path), "{path}");
        }
        for path in ["/", "/apis", "/api-docs", "/rooms/api", "/idpx"] {
            assert!(!under_an_api(path), "{path}");
        }
    }

    #[test]
    fn client_routes_are_not_files() {
        assert!(!looks_like_a_file("/rooms/lobby"));
        assert!(!looks_like_a_file("/"));
        assert!(looks_like_a_file("/favicon.ico"));
        assert!(looks_like_a_file("/app-0123456789abcdef_bg.wasm"));
    }
}
