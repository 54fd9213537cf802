//! The built app as the embedded server answers it over HTTP: the brotli or
//! gzip copy the request accepts (the file itself when there is none), with
//! `Vary: Accept-Encoding`; a year of caching for content-hashed files and
//! `no-cache` for index.html and the client routes; 304s on revalidation;
//! HEAD and Range; 404s, never index.html, for missing files.
//!
//! The dist directory is made here, with a different text in each copy, so
//! every answer shows which file it came from.

use moodchat_server::spa;
use reqwest::header::{self, HeaderMap};
use reqwest::StatusCode;

const WASM: &str = "/app-0123456789abcdef/moodchat-web_bg.wasm";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const BROWSER: &str = "gzip, deflate, br, zstd";

struct Dist {
    base: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// A dist directory holding `files` (path, content), served by the SPA router.
async fn serve(files: &[(&str, &str)]) -> Dist {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let file = dir.path().join(path.trim_start_matches('/'));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, content).unwrap();
    }
    let router = spa::router(dir.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    // No automatic decompression (reqwest is built without it): the bytes as sent.
    Dist { base, http: reqwest::Client::new(), _dir: dir }
}

/// A whole build: the app's wasm with both copies, index.html with both.
async fn built_app() -> Dist {
    serve(&[
        ("index.html", "<!doctype html><title>moodchat</title>"),
        ("index.html.br", "index, brotli"),
        ("index.html.gz", "index, gzip"),
        (WASM, "\0asm the module itself"),
        (&format!("{WASM}.br"), "module, brotli"),
        (&format!("{WASM}.gz"), "module, gzip"),
    ])
    .await
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(&name).map(|value| value.to_str().unwrap()).unwrap_or("")
    }
}

impl Dist {
    async fn request(&self, method: reqwest::Method, path: &str, headers: &[(header::HeaderName, &str)]) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        Answer { status, headers, body: response.text().await.unwrap() }
    }

    async fn get(&self, path: &str, accept_encoding: &str) -> Answer {
        self.request(reqwest::Method::GET, path, &[(header::ACCEPT_ENCODING, accept_encoding)]).await
    }
}

#[tokio::test]
async fn brotli_when_accepted_else_gzip_else_the_file_itself() {
    let dist = built_app().await;
    let cases = [
        (BROWSER, "module, brotli", "br"),
        ("gzip, deflate", "module, gzip", "gzip"),
        ("br;q=0, gzip", "module, gzip", "gzip"),
        ("gzip;q=0.5, br;q=0.8", "module, brotli", "br"),
        ("identity", "\0asm the module itself", ""),
        ("", "\0asm the module itself", ""),
    ];
    for (accepted, body, encoding) in cases {
        let answer = dist.get(WASM, accepted).await;
        assert_eq!(answer.status, 200, "{accepted}");
        assert_eq!(answer.body, body, "Accept-Encoding: {accepted}");
        assert_eq!(answer.header(header::CONTENT_ENCODING), encoding, "Accept-Encoding: {accepted}");
        assert_eq!(answer.header(header::CONTENT_LENGTH), body.len().to_string());
        assert_eq!(answer.header(header::CONTENT_TYPE), "application/wasm", "the type of the file, not of its copy");
        assert_eq!(answer.header(header::VARY), "accept-encoding");
        assert_eq!(answer.header(header::CACHE_CONTROL), IMMUTABLE);
    }
}

#[tokio::test]
async fn a_missing_copy_falls_back_to_the_next_encoding_or_the_file() {
    let dist = serve(&[
        ("index.html", "index"),
        ("app-0123456789abcdef/only-gzip.js", "the script"),
        ("app-0123456789abcdef/only-gzip.js.gz", "script, gzip"),
        ("app-0123456789abcdef/loader.js", "tiny"),
    ])
    .await;
    let gzip = dist.get("/app-0123456789abcdef/only-gzip.js", BROWSER).await;
    assert_eq!((gzip.body.as_str(), gzip.header(header::CONTENT_ENCODING)), ("script, gzip", "gzip"));
    // Too small to gain from compression: the build wrote no copy.
    let plain = dist.get("/app-0123456789abcdef/loader.js", BROWSER).await;
    assert_eq!((plain.status, plain.body.as_str(), plain.header(header::CONTENT_ENCODING)), (StatusCode::OK, "tiny", ""));
    assert_eq!(plain.header(header::VARY), "accept-encoding");
    assert_eq!(plain.header(header::CACHE_CONTROL), IMMUTABLE);
    // The index without copies: the file itself, for the root and a client route.
    for path in ["/", "/rooms/lobby"] {
        let index = dist.get(path, BROWSER).await;
        assert_eq!((index.body.as_str(), index.header(header::CONTENT_ENCODING)), ("index", ""), "{path}");
    }
}

#[tokio::test]
async fn index_html_and_client_routes_are_compressed_and_revalidated() {
    let dist = built_app().await;
    for path in ["/", "/index.html", "/rooms/lobby", "/signin"] {
        let index = dist.get(path, BROWSER).await;
        assert_eq!(index.status, 200, "{path}");
        assert_eq!((index.body.as_str(), index.header(header::CONTENT_ENCODING)), ("index, brotli", "br"), "{path}");
        assert_eq!(index.header(header::CACHE_CONTROL), "no-cache", "{path}");
        assert_eq!(index.header(header::VARY), "accept-encoding", "{path}");
        assert_eq!(index.header(header::CONTENT_TYPE), "text/html", "{path}");
    }
    let gzip = dist.get("/rooms/lobby", "gzip").await;
    assert_eq!(gzip.body, "index, gzip");
}

#[tokio::test]
async fn revalidation_is_a_304_without_a_body_that_keeps_the_caching_headers() {
    let dist = built_app().await;
    for (path, cache_control) in [("/", "no-cache"), ("/rooms/lobby", "no-cache"), (WASM, IMMUTABLE)] {
        let first = dist.get(path, BROWSER).await;
        let last_modified = first.header(header::LAST_MODIFIED).to_owned();
        assert!(!last_modified.is_empty(), "{path} has no Last-Modified");
        let again = dist
            .request(
                reqwest::Method::GET,
                path,
                &[(header::ACCEPT_ENCODING, BROWSER), (header::IF_MODIFIED_SINCE, &last_modified)],
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.body, "", "{path}");
        assert_eq!(again.header(header::CACHE_CONTROL), cache_control, "{path}");
        assert_eq!(again.header(header::VARY), "accept-encoding", "{path}");
    }
    // A file changed since: the whole file again.
    let stale = "Mon, 01 Jan 2001 00:00:00 GMT";
    let changed = dist
        .request(reqwest::Method::GET, "/", &[(header::ACCEPT_ENCODING, BROWSER), (header::IF_MODIFIED_SINCE, stale)])
        .await;
    assert_eq!((changed.status, changed.body.as_str()), (StatusCode::OK, "index, brotli"));
}

#[tokio::test]
async fn head_answers_the_headers_of_the_copy_without_a_body() {
    let dist = built_app().await;
    let head = dist.request(reqwest::Method::HEAD, WASM, &[(header::ACCEPT_ENCODING, BROWSER)]).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "");
    assert_eq!(head.header(header::CONTENT_ENCODING), "br");
    assert_eq!(head.header(header::CONTENT_LENGTH), "module, brotli".len().to_string());
    assert_eq!(head.header(header::CACHE_CONTROL), IMMUTABLE);
    assert_eq!(head.header(header::VARY), "accept-encoding");
}

#[tokio::test]
async fn a_range_is_served_from_the_representation_sent() {
    let dist = built_app().await;
    let range = |accepted: &'static str, range: &'static str| {
        let dist = &dist;
        async move {
            dist.request(reqwest::Method::GET, WASM, &[(header::ACCEPT_ENCODING, accepted), (header::RANGE, range)])
                .await
        }
    };
    let plain = range("identity", "bytes=1-3").await;
    assert_eq!(plain.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(plain.body, "asm");
    assert_eq!(plain.header(header::CONTENT_RANGE), format!("bytes 1-3/{}", "\0asm the module itself".len()));
    assert_eq!(plain.header(header::CONTENT_ENCODING), "");
    // With brotli accepted the range is of the brotli copy (a range applies
    // to the content as encoded), said so by Content-Encoding.
    let brotli = range(BROWSER, "bytes=0-5").await;
    assert_eq!((brotli.status, brotli.body.as_str()), (StatusCode::PARTIAL_CONTENT, "module"));
    assert_eq!(brotli.header(header::CONTENT_ENCODING), "br");
    assert_eq!(brotli.header(header::CONTENT_RANGE), format!("bytes 0-5/{}", "module, brotli".len()));
    let beyond = range("identity", "bytes=1000-").await;
    assert_eq!(beyond.status, StatusCode::RANGE_NOT_SATISFIABLE);
}

#[tokio::test]
async fn missing_files_are_json_404s_never_index_html() {
    let dist = built_app().await;
    for path in [
        "/app-0123456789abcdef/missing_bg.wasm",
        "/missing-0123456789abcdef.js",
        "/moodchat-mood-worker-0123456789abcdef/moodchat-mood-worker_loader.js",
        "/favicon.ico",
    ] {
        let missing = dist.get(path, BROWSER).await;
        assert_eq!(missing.status, 404, "{path}");
        assert_eq!(missing.header(header::CONTENT_TYPE), "application/json", "{path}");
        assert!(missing.body.contains("\"code\":\"not_found\""), "{path}: {}", missing.body);
        assert_eq!(missing.header(header::CACHE_CONTROL), "no-cache", "{path}: a 404 is not cached for a year");
    }
}

#[tokio::test]
async fn paths_under_the_apis_never_get_the_page() {
    let dist = built_app().await;
    for path in ["/api/", "/api", "/api/rooms", "/idp/", "/idp/x.html"] {
        let answer = dist.get(path, BROWSER).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.header(header::CONTENT_TYPE), "application/json", "{path}");
        assert!(answer.body.contains("no API endpoint"), "{path}: {}", answer.body);
    }
    // A client route that only starts like one is still the app's.
    assert_eq!(dist.get("/apis", BROWSER).await.body, "index, brotli");
}

#[tokio::test]
async fn an_unbuilt_app_is_a_clear_503() {
    let dist = serve(&[]).await;
    let answer = dist.get("/rooms/lobby", BROWSER).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(answer.body.contains("not built"), "{}", answer.body);
}
