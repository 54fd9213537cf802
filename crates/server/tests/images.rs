//! Images end to end over real sockets: upload tickets, the signed PUT and
//! GET of the embedded blob storage, content and size checks, metadata
//! stripping, messages that carry images, and the administrators' webhook.
//! After every refused upload the blobs directory is checked for leftovers.

mod chat_support;

use std::collections::BTreeSet;
use std::io::Cursor;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::post;
use axum::Router;
use chat_support::{assert_error, jwks, read, token, CLIENT_ID, DEADLINE, ISSUER};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageBuffer, ImageDecoder, ImageFormat, Rgb, Rgba};
use moodchat_core::BlobKey;
use moodchat_protocol::UserRef;
use moodchat_server::chat::{self, ChatConfig, ChatState, JwksVerifier};
use moodchat_server::images::{self, HmacSigner, ImageSettings, Images};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

// ---------------------------------------------------------------- fixtures

struct Server {
    addr: SocketAddr,
    data: tempfile::TempDir,
}

impl Server {
    async fn start(settings: ImageSettings) -> Server {
        let data = tempfile::tempdir().unwrap();
        let images = Images::open(data.path(), settings).unwrap();
        let verifier = Arc::new(JwksVerifier::from_jwks_json(&jwks(), ISSUER, CLIENT_ID).unwrap());
        let config = ChatConfig { images: Some(images.ports()), ..ChatConfig::default() };
        let chat = ChatState::open(data.path(), verifier, config).unwrap();
        let api = chat::router(chat).merge(images::router(images));
        let app: Router = Router::new().nest("/api", api);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { addr, data }
    }

    async fn with_defaults() -> Server {
        Self::start(ImageSettings::default()).await
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn user(&self, username: &str) -> User {
        User { http: reqwest::Client::new(), base: self.url(""), token: token(username), name: username.to_owned() }
    }

    fn blobs(&self) -> PathBuf {
        self.data.path().join("blobs")
    }

    /// The signer the server uses (same key file in the data directory),
    /// to make URLs the server never handed out: expired ones, for example.
    fn signer(&self) -> HmacSigner {
        HmacSigner::open(self.data.path()).unwrap()
    }

    /// Every file under `blobs/`, relative, except the (empty) `.incoming`.
    fn files(&self) -> BTreeSet<String> {
        fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else {
                    out.insert(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
                }
            }
        }
        let mut files = BTreeSet::new();
        walk(&self.blobs(), &self.blobs(), &mut files);
        files
    }

    /// Nothing but complete stored images (image, thumbnail, record) for
    /// exactly `keys`: no temporary, partial or orphaned file.
    fn assert_only_stored(&self, keys: &[&str]) {
        let mut expected = BTreeSet::new();
        for key in keys {
            let key = BlobKey::parse(key).unwrap();
            expected.insert(key.to_string());
            expected.insert(key.thumbnail().to_string());
            expected.insert(format!("rooms/{}/{}.json", key.room, key.id));
        }
        assert_eq!(self.files(), expected, "files under {}", self.blobs().display());
    }
}

struct User {
    http: reqwest::Client,
    base: String,
    token: String,
    name: String,
}

impl User {
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/api{path}", self.base))
            .header("Authorization", &self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        read(response).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}/api{path}", self.base))
            .header("Authorization", &self.token)
            .send()
            .await
            .unwrap();
        read(response).await
    }

    async fn ticket(&self, room: &str, content_type: &str, size: usize) -> (u16, Value) {
        self.post("/uploads", json!({"room": room, "content_type": content_type, "size": size})).await
    }

    /// A ticket that must be granted.
    async fn granted(&self, room: &str, content_type: &str, size: usize) -> Value {
        let (status, ticket) = self.ticket(room, content_type, size).await;
        assert_eq!(status, 200, "{ticket}");
        ticket
    }

    /// PUTs `bytes` exactly as the ticket says.
    async fn upload(&self, ticket: &Value, bytes: Vec<u8>) -> (u16, Value) {
        let mut request = self.http.put(format!("{}{}", self.base, ticket["url"].as_str().unwrap()));
        for (name, value) in ticket["headers"].as_object().unwrap() {
            request = request.header(name, value.as_str().unwrap());
        }
        read(request.body(bytes).send().await.unwrap()).await
    }

    /// Ticket and upload of an image into `room`; returns its key.
    async fn upload_image(&self, room: &str, content_type: &str, bytes: Vec<u8>) -> String {
        let ticket = self.granted(room, content_type, bytes.len()).await;
        let (status, stored) = self.upload(&ticket, bytes).await;
        assert_eq!(status, 201, "{stored}");
        ticket["key"].as_str().unwrap().to_owned()
    }

    async fn send_image(&self, room: &str, client_id: &str, key: &str) -> (u16, Value) {
        self.post(&format!("/rooms/{room}/messages"), json!({"client_id": client_id, "image_key": key})).await
    }

    async fn create_room(&self, name: &str) -> String {
        let (status, room) = self.post("/rooms", json!({"name": name})).await;
        assert_eq!(status, 201, "{room}");
        room["id"].as_str().unwrap().to_owned()
    }
}

struct Fetched {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

/// A GET without any Authorization: signed URLs are the permission.
async fn fetch(server: &Server, path: &str) -> Fetched {
    let response = reqwest::get(server.url(path)).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Fetched { status, headers, body: response.bytes().await.unwrap().to_vec() }
}

/// One HTTP/1.1 request written byte for byte, so that paths reach the
/// server exactly as given (HTTP clients normalise `..` away).
async fn raw_request(addr: SocketAddr, head: &str) -> (u16, String) {
    raw_exchange(addr, head, b"").await
}

/// `head` (request line and headers, without Host), then `body` as is.
async fn raw_exchange(addr: SocketAddr, head: &str, body: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("{head}\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(DEADLINE, stream.read_to_end(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("an HTTP status line");
    (status, answer)
}

/// Polls a condition on the file system until it holds, failing after the
/// deadline.
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn incoming_files(server: &Server) -> usize {
    std::fs::read_dir(server.blobs().join(".incoming")).unwrap().count()
}

// ------------------------------------------------------------ test images

fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let image = ImageBuffer::from_fn(width, height, |x, y| Rgba([x as u8 ^ seed, y as u8, seed, 255]));
    let mut out = Vec::new();
    DynamicImage::ImageRgba8(image).write_with_encoder(PngEncoder::new(&mut out)).unwrap();
    out
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = ImageBuffer::from_fn(width, height, |x, y| Rgb([(x * 5) as u8, (y * 5) as u8, 90]));
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(image).write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90)).unwrap();
    out
}

const GPS_MARKER: &[u8] = b"MOODCHAT-GPS-48.8584N-2.2945E";

/// A JPEG with an EXIF APP1 segment right after SOI: orientation 6 (rotate
/// 90 degrees clockwise to display), a GPS IFD, and a marker string.
fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II\x2a\x00");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    // IFD0: Orientation = 6, GPSInfo -> offset 38.
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0]);
    tiff.extend_from_slice(&38u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(tiff.len(), 38);
    // GPS IFD: GPSLatitudeRef = "N".
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(GPS_MARKER);

    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let plain = jpeg(width, height);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

// ------------------------------------------------------------------ tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_png_reaches_the_other_member_with_a_thumbnail_and_the_admins_hear_of_it() {
    let (hook_url, mut notices) = webhook_receiver().await;
    let server = Server::start(ImageSettings { webhook: Some(hook_url), ..ImageSettings::default() }).await;
    let alice = server.user("alice");
    let bob = server.user("bob");
    let _ = bob.get("/rooms").await;
    let room = alice.create_room("pictures").await;
    let (status, _) = bob.post(&format!("/rooms/{room}/join"), json!({})).await;
    assert_eq!(status, 200);

    let bytes = png(600, 300, 7);
    let ticket = alice.granted(&room, "image/png", bytes.len()).await;
    assert_eq!(ticket["method"], "PUT");
    assert_eq!(ticket["headers"], json!({"Content-Type": "image/png"}));
    let key = ticket["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with(&format!("rooms/{room}/")) && key.ends_with(".png"), "{key}");
    assert!(ticket["expires_at"].as_i64().unwrap() > chat_support::now_secs() * 1000);

    let (status, stored) = alice.upload(&ticket, bytes).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(
        (stored["key"].as_str(), stored["w"].as_u64(), stored["h"].as_u64()),
        (Some(key.as_str()), Some(600), Some(300))
    );

    let (status, sent) = alice.send_image(&room, "img-1", &key).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["text"], "");

    let (status, page) = bob.get(&format!("/rooms/{room}/messages")).await;
    assert_eq!(status, 200);
    let image = &page["messages"][0]["image"];
    assert_eq!(
        (image["key"].as_str(), image["w"].as_u64(), image["h"].as_u64()),
        (Some(key.as_str()), Some(600), Some(300))
    );

    let full = fetch(&server, image["url"].as_str().unwrap()).await;
    assert_eq!(full.status, 200);
    assert_eq!(full.headers["content-type"], "image/png");
    assert_eq!(full.headers["x-content-type-options"], "nosniff");
    assert_eq!(full.headers["content-disposition"], "inline");
    let cache = full.headers["cache-control"].to_str().unwrap().to_owned();
    let max_age: i64 = cache.strip_prefix("private, max-age=").expect("private caching").parse().unwrap();
    assert!((3600..=3600 + 15 * 60).contains(&max_age), "{cache}");
    let decoded = image::load_from_memory_with_format(&full.body, ImageFormat::Png).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (600, 300));
    assert_eq!(decoded.to_rgba8().get_pixel(5, 9), &Rgba([5 ^ 7, 9, 7, 255]), "pixels survive re-encoding");

    let thumb = fetch(&server, image["thumb_url"].as_str().unwrap()).await;
    assert_eq!((thumb.status, thumb.headers["content-type"].to_str().unwrap()), (200, "image/png"));
    let decoded = image::load_from_memory_with_format(&thumb.body, ImageFormat::Png).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (480, 240));

    let notice = tokio::time::timeout(DEADLINE, notices.recv()).await.expect("a notice before the deadline").unwrap();
    assert_eq!(notice["event"], "image_uploaded");
    assert_eq!((notice["key"].as_str(), notice["room"].as_str()), (Some(key.as_str()), Some(room.as_str())));
    assert_eq!(notice["uploader"], json!({"sub": "sub-alice", "name": "alice"}));
    assert_eq!(
        (notice["content_type"].as_str(), notice["width"].as_u64(), notice["height"].as_u64()),
        (Some("image/png"), Some(600), Some(300))
    );
    assert!(notice["size"].as_u64().unwrap() > 0 && notice["at"].as_i64().unwrap() > 0, "{notice}");
    server.assert_only_stored(&[&key]);
}

/// A webhook receiver on 127.0.0.1:0; every JSON body posted to it comes
/// out of the channel.
async fn webhook_receiver() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/hook",
        post(move |axum::Json(body): axum::Json<Value>| {
            let sender = sender.clone();
            async move {
                let _ = sender.send(body);
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, receiver)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exif_and_gps_are_gone_from_what_is_served_and_the_photo_is_upright() {
    let server = Server::with_defaults().await;
    let alice = server.user("alice");
    let original = jpeg_with_exif(40, 20);
    let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&original)).unwrap();
    assert!(decoder.exif_metadata().unwrap().is_some(), "the test image carries EXIF");
    assert!(contains(&original, GPS_MARKER));

    let ticket = alice.granted("lobby", "image/jpeg", original.len()).await;
    let (status, stored) = alice.upload(&ticket, original).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!((stored["w"].as_u64(), stored["h"].as_u64()), (Some(20), Some(40)), "orientation 6 applied");
    let key = ticket["key"].as_str().unwrap();
    let (status, sent) = alice.send_image("lobby", "exif", key).await;
    assert_eq!(status, 201, "{sent}");

    for url in [&sent["image"]["url"], &sent["image"]["thumb_url"]] {
        let served = fetch(&server, url.as_str().unwrap()).await;
        assert_eq!((served.status, served.headers["content-type"].to_str().unwrap()), (200, "image/jpeg"));
        assert!(!contains(&served.body, GPS_MARKER), "GPS data served");
        assert!(!contains(&served.body, b"Exif\0\0"), "an EXIF segment served");
        let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&served.body)).unwrap();
        assert_eq!(decoder.exif_metadata().unwrap(), None);
        assert_eq!(decoder.dimensions(), (20, 40));
    }
    server.assert_only_stored(&[key]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_are_only_for_members_images_and_sizes_within_the_limit() {
    let server = Server::with_defaults().await;
    let alice = server.user("alice");
    let bob = server.user("bob");
    let carol = server.user("carol");
    for user in [&bob, &carol] {
        let _ = user.get("/rooms").await;
    }
    assert_error(&alice.ticket("lobby", "text/plain", 10).await, 415, "unsupported_media_type");
    assert_error(&alice.ticket("lobby", "image/svg+xml", 10).await, 415, "unsupported_media_type");
    assert_error(&alice.ticket("lobby", "image/png", 10 * 1024 * 1024 + 1).await, 413, "too_large");
    assert_error(&alice.ticket("lobby", "image/png", 0).await, 400, "bad_request");
    assert_error(
        &alice.post("/uploads", json!({"room": "lobby", "content_type": "image/png"})).await,
        400,
        "bad_request",
    );
    assert_error(
        &alice.post("/uploads", json!({"room": "lobby", "content_type": "image/png", "size": -1})).await,
        400,
        "bad_request",
    );
    assert_eq!(alice.ticket("lobby", "image/png", 10 * 1024 * 1024).await.0, 200, "exactly the limit is fine");
    assert_eq!(alice.ticket("lobby", "IMAGE/WEBP", 10).await.0, 200);
    assert_error(&alice.ticket("no-such-room", "image/png", 10).await, 404, "not_found");

    let room = alice.create_room("alice's").await;
    assert_error(&bob.ticket(&room, "image/png", 10).await, 403, "forbidden");
    let (status, dm) = alice.post("/dms", json!({"user": "bob"})).await;
    assert_eq!(status, 200);
    let dm = dm["id"].as_str().unwrap();
    assert_eq!(bob.ticket(dm, "image/gif", 10).await.0, 200);
    assert_error(&carol.ticket(dm, "image/gif", 10).await, 403, "forbidden");

    let unsigned = reqwest::Client::new().post(server.url("/api/uploads")).json(&json!({})).send().await.unwrap();
    assert_error(&read(unsigned).await, 401, "unauthorized");
    assert!(server.files().is_empty(), "a ticket stores nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_that_is_not_the_declared_type_is_refused_and_leaves_nothing() {
    let server = Server::with_defaults().await;
    let alice = server.user("alice");

    let mut text_with_png_magic = b"\x89PNG\r\n\x1a\n".to_vec();
    text_with_png_magic.extend_from_slice(b"#!/bin/sh\necho this is a text file\n");
    let jpeg_bytes = jpeg(16, 16);
    let cases = [
        ("image/png", text_with_png_magic),
        ("image/png", jpeg_bytes.clone()),
        ("image/gif", png(8, 8, 1)),
        ("image/jpeg", b"plain text, no image here".to_vec()),
    ];
    for (content_type, bytes) in cases {
        let ticket = alice.granted("lobby", content_type, bytes.len()).await;
        assert_error(&alice.upload(&ticket, bytes).await, 415, "unsupported_media_type");
        let key = ticket["key"].as_str().unwrap();
        assert_error(&alice.send_image("lobby", "never", key).await, 400, "bad_request");
        server.assert_only_stored(&[]);
    }

    // The Content-Type sent must be the ticket's.
    let ticket = alice.granted("lobby", "image/jpeg", jpeg_bytes.len()).await;
    let sent_as_html = reqwest::Client::new()
        .put(server.url(ticket["url"].as_str().unwrap()))
        .header("Content-Type", "text/html")
        .body(jpeg_bytes)
        .send()
        .await
        .unwrap();
    assert_error(&read(sent_as_html).await, 415, "unsupported_media_type");
    server.assert_only_stored(&[]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_bytes_than_the_ticket_allows_are_refused_and_leave_nothing() {
    let server = Server::with_defaults().await;
    let alice = server.user("alice");
    let bytes = png(32, 32, 3);
    let ticket = alice.granted("lobby", "image/png", bytes.len()).await;
    let url = server.url(ticket["url"].as_str().unwrap());

    // Announced by Content-Length: refused before a byte is read.
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0; 100]);
    let answer =
        reqwest::Client::new().put(&url).header("Content-Type", "image/png").body(longer).send().await.unwrap();
    assert_error(&read(answer).await, 413, "too_large");
    server.assert_only_stored(&[]);

    // Not announced (chunked): counted, and refused mid-stream.
    let mut chunked = Vec::new();
    for _ in 0..8 {
        chunked.extend_from_slice(format!("{:x}\r\n", bytes.len()).as_bytes());
        chunked.extend_from_slice(&bytes);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let head = format!(
        "PUT {} HTTP/1.1\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked",
        ticket["url"].as_str().unwrap()
    );
    let (status, answer) = raw_exchange(server.addr, &head, &chunked).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("\"code\":\"too_large\""), "{answer}");
    server.assert_only_stored(&[]);

    // Fewer bytes than the ticket's size.
    let answer = reqwest::Client::new()
        .put(&url)
        .header("Content-Type", "image/png")
        .body(bytes[..bytes.len() - 1].to_vec())
        .send()
        .await
        .unwrap();
    assert_error(&read(answer).await, 400, "bad_request");
    server.assert_only_stored(&[]);

    // The ticket is still good for exactly its size, once.
    assert_eq!(alice.upload(&ticket, bytes.clone()).await.0, 201);
    assert_error(&alice.upload(&ticket, bytes).await, 409, "conflict");
    server.assert_only_stored(&[ticket["key"].as_str().unwrap()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_mid_upload_leaves_no_file() {
    let server = Server::with_defaults().await;
    let alice = server.user("alice");
    let bytes = png(64, 64, 9);
    let ticket = alice.granted("lobby", "image/png", bytes.len()).await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "PUT {} HTTP/1.1\r\nHost: {}\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\r\n",
        ticket["url"].as_str().unwrap(),
        server.addr,
        bytes.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&bytes[..bytes.len() / 2]).await.unwrap();
    eventually("the upload is being received", || incoming_files(&server) == 1).await;
    drop(stream);
    eventually("the partial upload is removed", || incoming_files(&server) == 0).await;
    server.assert_only_stored(&[]);
    let key = ticket["key"].as_str().unwrap();
    assert_error(&alice.send_image("lobby", "half", key).await, 400, "bad_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_tampered_urls_are_refused() {
    let server = Server::with_defaults().await;
    let alice = server.user("alice");
    let bytes = png(10, 10, 1);
    let key_text = alice.upload_image("lobby", "image/png", bytes.clone()).await;
    let key = BlobKey::parse(&key_text).unwrap();
    let signer = server.signer();
    let now = chat_support::now_secs();

    assert_eq!(fetch(&server, &signer.download_path(&key, now + 60)).await.status, 200);
    let expired = fetch(&server, &signer.download_path(&key, now - 1)).await;
    assert_eq!(expired.status, 403);
    assert_eq!(serde_json::from_slice::<Value>(&expired.body).unwrap()["code"], "forbidden");

    let good = signer.download_path(&key, now + 60);
    let (path, signature) = good.split_once("&sig=").unwrap();
    let mut flipped = signature.as_bytes().to_vec();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let tampered = [
        format!("{path}&sig={}", String::from_utf8(flipped).unwrap()),
        good.replace(&format!("exp={}", now + 60), &format!("exp={}", now + 6000)),
        path.to_owned(),
        good.split_once('?').unwrap().0.to_owned(),
        good.replace(".png?", ".thumb.png?"),
    ];
    for url in tampered {
        assert_eq!(fetch(&server, &url).await.status, 403, "{url}");
    }

    // Uploads: an expired ticket, a stretched size, a GET signature.
    let alice_ref = UserRef { sub: "sub-alice".into(), name: "alice".into() };
    let fresh = BlobKey::new_upload("lobby", key.kind, now * 1000);
    let put = |path: String, body: Vec<u8>| {
        let url = server.url(&path);
        async move {
            read(reqwest::Client::new().put(url).header("Content-Type", "image/png").body(body).send().await.unwrap())
                .await
        }
    };
    assert_error(
        &put(signer.upload_path(&fresh, bytes.len() as u64, &alice_ref, now - 1), bytes.clone()).await,
        403,
        "forbidden",
    );
    let stretched = signer
        .upload_path(&fresh, bytes.len() as u64, &alice_ref, now + 60)
        .replace(&format!("size={}", bytes.len()), &format!("size={}", bytes.len() + 1));
    let mut bigger = bytes.clone();
    bigger.push(0);
    assert_error(&put(stretched, bigger).await, 403, "forbidden");
    assert_error(&put(signer.download_path(&fresh, now + 60), bytes).await, 403, "forbidden");
    server.assert_only_stored(&[&key_text]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_that_try_to_leave_the_blobs_directory_are_refused() {
    let server = Server::with_defaults().await;
    let alice = server.user("alice");
    let key = alice.upload_image("lobby", "image/png", png(10, 10, 2)).await;
    let signer = server.signer();
    let exp = chat_support::now_secs() + 60;
    let secret = std::fs::read(server.data.path().join("blob-signing.key")).unwrap();
    let secret_text = String::from_utf8_lossy(&secret).into_owned();
    let real = signer.download_path(&BlobKey::parse(&key).unwrap(), exp);
    let query = real.split_once('?').unwrap().1;

    let paths = [
        format!("/api/blobs/../blob-signing.key?{query}"),
        format!("/api/blobs/rooms/lobby/../../../blob-signing.key?{query}"),
        format!("/api/blobs/rooms/lobby/%2e%2e/%2e%2e/%2e%2e/blob-signing.key?{query}"),
        format!("/api/blobs/rooms/lobby/..%2f..%2f..%2fblob-signing.key?{query}"),
        format!("/api/blobs//etc/passwd?{query}"),
        format!("/api/blobs/%2fetc%2fpasswd?{query}"),
        format!("/api/blobs/rooms/lobby/{}.json?{query}", BlobKey::parse(&key).unwrap().id),
        format!("/api/blobs/{}%00.png?{query}", key.trim_end_matches(".png")),
    ];
    for path in paths {
        let (status, answer) = raw_request(server.addr, &format!("GET {path} HTTP/1.1")).await;
        assert!(status == 400 || status == 404, "{path}: {status}");
        assert!(!answer.contains(&secret_text) && !answer.contains("root:"), "{path} leaked a file");
        let (status, _) = raw_request(server.addr, &format!("PUT {path} HTTP/1.1\r\nContent-Length: 0")).await;
        assert!(status == 400 || status == 404, "PUT {path}: {status}");
    }
    // Message keys follow the same rules.
    for bad in ["../blob-signing.key", "/etc/passwd", "rooms/lobby/../../x.png"] {
        assert_error(&alice.send_image("lobby", "t", bad).await, 400, "bad_request");
    }
    server.assert_only_stored(&[&key]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_rooms_images_stay_private_and_keys_are_bound_to_uploader_and_room() {
    let server = Server::with_defaults().await;
    let alice = server.user("alice");
    let bob = server.user("bob");
    let carol = server.user("carol");
    for user in [&bob, &carol] {
        let _ = user.get("/rooms").await;
    }
    let (_, dm) = alice.post("/dms", json!({"user": "bob"})).await;
    let dm = dm["id"].as_str().unwrap().to_owned();
    let secret = alice.upload_image(&dm, "image/png", png(12, 12, 4)).await;
    let (status, sent) = alice.send_image(&dm, "secret", &secret).await;
    assert_eq!(status, 201, "{sent}");
    let (status, page) = bob.get(&format!("/rooms/{dm}/messages")).await;
    assert_eq!((status, page["messages"][0]["image"]["key"].as_str()), (200, Some(secret.as_str())));

    // Carol cannot read the conversation, and without its signed URL she
    // cannot fetch the image: not bare, not with a signature of her own.
    assert_error(&carol.get(&format!("/rooms/{dm}/messages")).await, 403, "forbidden");
    assert_eq!(fetch(&server, &format!("/api/blobs/{secret}")).await.status, 403);
    let own = carol.upload_image("lobby", "image/png", png(12, 12, 5)).await;
    let (_, own_sent) = carol.send_image("lobby", "own", &own).await;
    let own_url = own_sent["image"]["url"].as_str().unwrap();
    let borrowed = format!("/api/blobs/{secret}?{}", own_url.split_once('?').unwrap().1);
    assert_eq!(fetch(&server, &borrowed).await.status, 403);

    // Keys are bound to their uploader and their room.
    assert_error(&bob.send_image(&dm, "stolen", &secret).await, 403, "forbidden");
    assert_error(&alice.send_image("lobby", "moved", &secret).await, 403, "forbidden");
    assert_error(&alice.send_image("lobby", "carols", &own).await, 403, "forbidden");
    let unknown = BlobKey::new_upload("lobby", moodchat_core::ImageKind::Png, 1).to_string();
    assert_error(&alice.send_image("lobby", "unknown", &unknown).await, 400, "bad_request");
    let thumbnail = BlobKey::parse(&own).unwrap().thumbnail().to_string();
    assert_error(&carol.send_image("lobby", "thumb", &thumbnail).await, 400, "bad_request");
    let (status, _) = carol.send_image("lobby", "own-again", &own).await;
    assert_eq!(status, 201, "an uploader may send their image again");
    server.assert_only_stored(&[&secret, &own]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_concurrent_uploads_are_all_stored_intact() {
    let server = Arc::new(Server::with_defaults().await);
    let mut uploads = Vec::new();
    for i in 0..16u8 {
        let server = server.clone();
        uploads.push(tokio::spawn(async move {
            let user = server.user(if i % 2 == 0 { "alice" } else { "bob" });
            let bytes = png(40 + u32::from(i), 30, i * 13);
            let key = user.upload_image("lobby", "image/png", bytes.clone()).await;
            let (status, sent) = user.send_image("lobby", &format!("c-{i}"), &key).await;
            assert_eq!(status, 201, "{sent}");
            (key, bytes, sent["image"]["url"].as_str().unwrap().to_owned(), user.name)
        }));
    }
    let mut keys = Vec::new();
    for upload in uploads {
        let (key, bytes, url, _) = upload.await.unwrap();
        let served = fetch(&server, &url).await;
        assert_eq!(served.status, 200);
        let sent = image::load_from_memory(&bytes).unwrap().to_rgba8();
        let stored = image::load_from_memory(&served.body).unwrap().to_rgba8();
        assert!(sent == stored, "{key} differs from what was uploaded");
        keys.push(key);
    }
    let distinct: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), 16);
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    server.assert_only_stored(&keys);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_hands_out_freshly_signed_urls() {
    let server = Server::with_defaults().await;
    let alice = server.user("alice");
    let key = alice.upload_image("lobby", "image/gif", gif()).await;
    let (status, sent) = alice.send_image("lobby", "gif", &key).await;
    assert_eq!(status, 201, "{sent}");
    let (_, page) = alice.get("/rooms/lobby/messages").await;
    let image = &page["messages"][0]["image"];
    assert_eq!((image["w"].as_u64(), image["h"].as_u64()), (Some(8), Some(6)), "dimensions from the stored record");
    let served = fetch(&server, image["url"].as_str().unwrap()).await;
    assert_eq!((served.status, served.headers["content-type"].to_str().unwrap()), (200, "image/gif"));
    let thumb = fetch(&server, image["thumb_url"].as_str().unwrap()).await;
    assert_eq!((thumb.status, thumb.headers["content-type"].to_str().unwrap()), (200, "image/png"));
    let head = reqwest::Client::new().head(server.url(image["url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!((head.status().as_u16(), head.headers()["content-type"].to_str().unwrap()), (200, "image/gif"));
    // The room list's last message is signed too.
    let (_, rooms) = alice.get("/rooms").await;
    let lobby = rooms["rooms"].as_array().unwrap().iter().find(|r| r["id"] == "lobby").unwrap();
    assert_eq!(fetch(&server, lobby["last_message"]["image"]["url"].as_str().unwrap()).await.status, 200);
    // A retried send answers with the original message and a working URL.
    let (status, retry) = alice.send_image("lobby", "gif", &key).await;
    assert_eq!((status, retry["id"].as_str()), (200, sent["id"].as_str()));
    assert_eq!(fetch(&server, retry["image"]["url"].as_str().unwrap()).await.status, 200);
}

fn gif() -> Vec<u8> {
    let frames: Vec<image::Frame> =
        (0..2u8).map(|i| image::Frame::new(ImageBuffer::from_pixel(8, 6, Rgba([i * 100, 50, 0, 255])))).collect();
    let mut out = Vec::new();
    image::codecs::gif::GifEncoder::new(&mut out).encode_frames(frames).unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_sent_over_the_websocket_arrives_live_with_a_working_url() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as WsMessage;

    let server = Server::with_defaults().await;
    let bob = server.user("bob");
    let key = bob.upload_image("lobby", "image/webp", webp(50, 20)).await;

    let connect = |username: &str| {
        let url = format!("ws://{}/api/ws?token={}", server.addr, token(username));
        async move { tokio_tungstenite::connect_async(url).await.unwrap().0 }
    };
    let (mut alice_ws, mut bob_ws) = (connect("alice").await, connect("bob").await);
    // Waits for the first event of the given type, failing after the deadline.
    async fn next_of<
        S: futures_util::Stream<Item = Result<WsMessage, tokio_tungstenite::tungstenite::Error>> + Unpin,
    >(
        stream: &mut S,
        kind: &str,
    ) -> Value {
        tokio::time::timeout(DEADLINE, async {
            loop {
                if let Some(Ok(WsMessage::Text(text))) = stream.next().await {
                    let event: Value = serde_json::from_str(text.as_str()).unwrap();
                    if event["type"] == kind || event["type"] == "error" {
                        return event;
                    }
                }
            }
        })
        .await
        .expect("the event before the deadline")
    }
    for ws in [&mut alice_ws, &mut bob_ws] {
        ws.send(WsMessage::Text(json!({"action": "join", "room": "lobby"}).to_string().into())).await.unwrap();
        assert_eq!(next_of(ws, "joined").await["type"], "joined");
    }
    let frame = json!({"action": "sendMessage", "room": "lobby", "client_id": "ws-img", "image_key": key});
    bob_ws.send(WsMessage::Text(frame.to_string().into())).await.unwrap();
    assert_eq!(next_of(&mut bob_ws, "ack").await["type"], "ack");
    let event = next_of(&mut alice_ws, "message").await;
    let image = &event["message"]["image"];
    assert_eq!(
        (image["key"].as_str(), image["w"].as_u64(), image["h"].as_u64()),
        (Some(key.as_str()), Some(50), Some(20))
    );
    let served = fetch(&server, image["url"].as_str().unwrap()).await;
    assert_eq!((served.status, served.headers["content-type"].to_str().unwrap()), (200, "image/webp"));
    assert_eq!(image::load_from_memory_with_format(&served.body, ImageFormat::WebP).unwrap().width(), 50);

    // Someone else's key over the WebSocket: an error event with the client_id.
    let frame = json!({"action": "sendMessage", "room": "lobby", "client_id": "ws-stolen", "image_key": key});
    alice_ws.send(WsMessage::Text(frame.to_string().into())).await.unwrap();
    let error = next_of(&mut alice_ws, "error").await;
    assert_eq!((error["code"].as_str(), error["client_id"].as_str()), (Some("forbidden"), Some("ws-stolen")));
}

fn webp(width: u32, height: u32) -> Vec<u8> {
    let image = ImageBuffer::from_fn(width, height, |x, y| Rgb([x as u8 * 4, y as u8 * 9, 30]));
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(image)
        .write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut out))
        .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_webhook_is_retried_and_never_holds_up_the_upload() {
    // The receiver answers 503 to the first notice and 200 afterwards; each
    // attempt comes out of the channel.
    let (sender, mut attempts) = mpsc::unbounded_channel::<Value>();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = Router::new().route(
        "/hook",
        post(move |axum::Json(body): axum::Json<Value>| {
            let (sender, calls) = (sender.clone(), calls.clone());
            async move {
                let _ = sender.send(body);
                if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    axum::http::StatusCode::SERVICE_UNAVAILABLE
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let server = Server::start(ImageSettings { webhook: Some(hook), ..ImageSettings::default() }).await;
    let alice = server.user("alice");
    let key = alice.upload_image("lobby", "image/png", png(20, 20, 6)).await;
    for attempt in 1..=2 {
        let notice =
            tokio::time::timeout(DEADLINE, attempts.recv()).await.expect("a notice before the deadline").unwrap();
        assert_eq!(notice["key"].as_str(), Some(key.as_str()), "attempt {attempt}");
    }

    // A webhook that never answers: the upload is answered anyway.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", silent.local_addr().unwrap());
    let server = Server::start(ImageSettings { webhook: Some(hook), ..ImageSettings::default() }).await;
    let alice = server.user("alice");
    let started = std::time::Instant::now();
    alice.upload_image("lobby", "image/png", png(20, 20, 7)).await;
    assert!(started.elapsed() < Duration::from_secs(4), "the upload waited for the webhook");
    drop(silent);
}

/// Unsending a message with a picture removes the picture, its thumbnail
/// and its record from storage: the signed URLs others hold stop working.
#[tokio::test]
async fn an_unsent_image_is_removed_from_storage() {
    let server = Server::with_defaults().await;
    let alice = server.user("alice");
    let key = alice.upload_image("lobby", "image/png", png(40, 30, 3)).await;
    let (status, sent) = alice.send_image("lobby", "a-1", &key).await;
    assert_eq!(status, 201, "{sent}");
    server.assert_only_stored(&[&key]);
    let (url, thumb) = (sent["image"]["url"].as_str().unwrap(), sent["image"]["thumb_url"].as_str().unwrap());
    assert_eq!(fetch(&server, url).await.status, 200);

    let id = sent["id"].as_str().unwrap();
    let response = alice
        .http
        .delete(format!("{}/api/rooms/lobby/messages/{id}", alice.base))
        .header("Authorization", &alice.token)
        .send()
        .await
        .unwrap();
    let (status, unsent) = read(response).await;
    assert_eq!(status, 200, "{unsent}");
    assert!(unsent.get("image").is_none() && unsent["deleted_at"].is_i64(), "{unsent}");
    server.assert_only_stored(&[]);
    assert_eq!(fetch(&server, url).await.status, 404);
    assert_eq!(fetch(&server, thumb).await.status, 404);
    // The key cannot be attached to a new message either.
    let (status, _) = alice.send_image("lobby", "a-2", &key).await;
    assert_eq!(status, 400);
}
