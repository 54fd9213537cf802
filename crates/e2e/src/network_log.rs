//! The browser's own record of what it fetched: the DevTools Network
//! domain's events (crates/e2e/src/devtools.rs), folded into one entry per
//! request (when it started, what came back, how many bytes
//! crossed the network for it, headers included).

use std::collections::BTreeMap;

use serde_json::Value;

/// One request as the browser saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub url: String,
    /// 0 until the answer's headers arrived (or when it failed before).
    pub status: u16,
    /// The answer's `Content-Encoding` (`br`, `gzip`, empty when none).
    pub encoding: String,
    /// Bytes received for it from the network, headers included
    /// (`encodedDataLength` of `Network.loadingFinished`); 0 for an answer
    /// from the cache.
    pub bytes: u64,
    /// Of `bytes`, the answer's status line and headers (what had arrived
    /// when they were parsed, `Network.responseReceived`).
    pub header_bytes: u64,
    /// When it started, in milliseconds since the Unix epoch (the page's
    /// `performance.timeOrigin + performance.now()` is on the same clock).
    pub started_at: f64,
    /// When its last byte arrived (or it failed), same clock; `None` while
    /// it is in flight.
    pub finished_at: Option<f64>,
    /// Answered from the memory or disk cache, without the network.
    pub from_cache: bool,
    pub failed: bool,
    /// Its start on the browser's monotonic clock (seconds), to place its end.
    started_monotonic: f64,
}

impl Request {
    fn new(url: String, started_at: f64, started_monotonic: f64) -> Request {
        Request {
            url,
            status: 0,
            encoding: String::new(),
            bytes: 0,
            header_bytes: 0,
            started_at,
            finished_at: None,
            from_cache: false,
            failed: false,
            started_monotonic,
        }
    }

    /// The path and query, without the origin.
    pub fn path(&self) -> &str {
        let host = self.url.find("://").map_or(0, |at| at + 3);
        self.url[host..].find('/').map_or("/", |at| &self.url[host + at..])
    }

    fn finish(&mut self, monotonic: f64) {
        self.finished_at = Some(self.started_at + (monotonic - self.started_monotonic) * 1000.0);
    }
}

/// Every HTTP request of the page and its workers seen so far, in the order
/// they started.
#[derive(Debug, Default)]
pub struct NetworkLog {
    requests: Vec<Request>,
    /// DevTools request id -> index in `requests`. The id is the same in
    /// every session that reports on a request (a worker's script is asked
    /// for by the page and received by the worker).
    index: BTreeMap<String, usize>,
}

impl NetworkLog {
    /// Folds in one event of the DevTools Network domain.
    pub fn apply(&mut self, method: &str, params: &Value) {
        let Some(id) = params["requestId"].as_str() else { return };
        let timestamp = params["timestamp"].as_f64().unwrap_or_default();
        if method == "Network.requestWillBeSent" {
            let url = params["request"]["url"].as_str().unwrap_or_default();
            if !url.starts_with("http") {
                return; // data: and blob: URLs never touch the network
            }
            // A redirect reuses the id: the hop before it ends here.
            if let Some(previous) = self.request_mut(id) {
                previous.status = params["redirectResponse"]["status"].as_u64().unwrap_or_default() as u16;
                previous.bytes = params["redirectResponse"]["encodedDataLength"].as_u64().unwrap_or_default();
                previous.finish(timestamp);
            }
            let wall_ms = params["wallTime"].as_f64().unwrap_or_default() * 1000.0;
            self.index.insert(id.to_owned(), self.requests.len());
            self.requests.push(Request::new(url.to_owned(), wall_ms, timestamp));
            return;
        }
        let Some(request) = self.request_mut(id) else { return };
        match method {
            "Network.responseReceived" => {
                let response = &params["response"];
                request.status = response["status"].as_u64().unwrap_or_default() as u16;
                request.encoding = header(&response["headers"], "content-encoding").to_owned();
                request.from_cache |= response["fromDiskCache"] == true || response["fromPrefetchCache"] == true;
                request.header_bytes = response["encodedDataLength"].as_u64().unwrap_or_default();
            }
            "Network.requestServedFromCache" => request.from_cache = true,
            "Network.loadingFinished" => {
                // Nothing received, not even headers: the cache answered
                // (a worker's script from the cache is reported this way).
                let received = params["encodedDataLength"].as_u64().unwrap_or_default();
                request.from_cache |= received == 0;
                if request.from_cache {
                    (request.bytes, request.header_bytes) = (0, 0);
                } else {
                    request.bytes = received;
                }
                request.finish(timestamp);
            }
            "Network.loadingFailed" => {
                request.failed = true;
                request.finish(timestamp);
            }
            _ => {}
        }
    }

    fn request_mut(&mut self, id: &str) -> Option<&mut Request> {
        self.index.get(id).map(|&at| &mut self.requests[at])
    }

    pub fn requests(&self) -> &[Request] {
        &self.requests
    }
}

/// A response header by name, whatever its case (DevTools keeps the
/// server's spelling).
fn header<'a>(headers: &'a Value, name: &str) -> &'a str {
    headers
        .as_object()
        .and_then(|headers| headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)))
        .and_then(|(_, value)| value.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn log(events: &[(&str, Value)]) -> NetworkLog {
        let mut log = NetworkLog::default();
        for (method, params) in events {
            log.apply(method, params);
        }
        log
    }

    fn sent(id: &str, url: &str, wall: f64, monotonic: f64) -> (&'static str, Value) {
        ("Network.requestWillBeSent", json!({ "requestId": id, "request": { "url": url }, "wallTime": wall, "timestamp": monotonic }))
    }

    fn finished(id: &str, monotonic: f64, bytes: u64) -> (&'static str, Value) {
        ("Network.loadingFinished", json!({ "requestId": id, "timestamp": monotonic, "encodedDataLength": bytes }))
    }

    #[test]
    fn folds_the_events_of_a_request_into_one_entry() {
        let log = log(&[
            sent("1", "http://127.0.0.1:9/app-1234abcd/moodchat-web_bg.wasm", 1000.0, 50.0),
            ("Network.responseReceived", json!({ "requestId": "1",
                "response": { "status": 200, "headers": { "Content-Encoding": "br" }, "encodedDataLength": 456 } })),
            finished("1", 50.25, 123_456),
        ]);
        let [request] = log.requests() else { panic!("{log:?}") };
        assert_eq!(request.path(), "/app-1234abcd/moodchat-web_bg.wasm");
        assert_eq!((request.status, request.encoding.as_str(), request.bytes, request.header_bytes), (200, "br", 123_456, 456));
        assert_eq!(request.started_at, 1_000_000.0);
        assert_eq!(request.finished_at, Some(1_000_250.0));
        assert!(!request.from_cache && !request.failed);
    }

    #[test]
    fn ignores_what_never_touches_the_network_and_events_of_unknown_requests() {
        let log = log(&[
            sent("7", "http://h/a.js", 1.0, 1.0),
            sent("8", "data:image/svg+xml,<svg/>", 3.0, 3.0),
            finished("8", 3.1, 5),
            finished("9", 3.1, 5),
            ("Network.dataReceived", json!({ "requestId": "7", "dataLength": 10 })),
            ("Network.webSocketCreated", json!({ "requestId": "10", "url": "ws://h/api/ws" })),
        ]);
        let rows: Vec<(&str, u64, bool)> = log.requests().iter().map(|r| (r.path(), r.bytes, r.finished_at.is_some())).collect();
        assert_eq!(rows, [("/a.js", 0, false)]);
    }

    #[test]
    fn a_cached_answer_costs_no_bytes_and_a_failure_ends_a_request() {
        let log = log(&[
            sent("1", "http://h/style-0123abcd.css", 1.0, 1.0),
            ("Network.requestServedFromCache", json!({ "requestId": "1" })),
            finished("1", 1.0, 0),
            sent("2", "http://h/index.html", 1.0, 1.0),
            ("Network.responseReceived", json!({ "requestId": "2", "response": { "status": 200, "fromDiskCache": true, "headers": {} } })),
            finished("2", 1.0, 311),
            sent("3", "http://h/api/rooms", 1.0, 1.0),
            ("Network.loadingFailed", json!({ "requestId": "3", "timestamp": 1.5, "errorText": "net::ERR_ABORTED" })),
            sent("4", "http://h/moodchat-mood-worker-0123abcd/moodchat-mood-worker_loader.js", 2.0, 2.0),
            ("Network.responseReceived", json!({ "requestId": "4", "response": { "status": 200, "headers": {} } })),
            finished("4", 2.0, 0),
        ]);
        let rows: Vec<(bool, u64, bool)> = log.requests().iter().map(|r| (r.from_cache, r.bytes, r.failed)).collect();
        assert_eq!(rows, [(true, 0, false), (true, 0, false), (false, 0, true), (true, 0, false)]);
        assert_eq!(log.requests()[2].finished_at, Some(1500.0));
    }

    #[test]
    fn a_redirect_ends_the_hop_before_it() {
        let log = log(&[
            sent("1", "http://h/rooms", 1.0, 1.0),
            ("Network.requestWillBeSent", json!({ "requestId": "1", "request": { "url": "http://h/rooms/" }, "wallTime": 1.2, "timestamp": 1.2,
                "redirectResponse": { "status": 301, "encodedDataLength": 180 } })),
        ]);
        let rows: Vec<(&str, u16, u64)> = log.requests().iter().map(|r| (r.path(), r.status, r.bytes)).collect();
        assert_eq!(rows, [("/rooms", 301, 180), ("/rooms/", 0, 0)]);
    }
}
