//! The HTTP edges an attacker leaned on, through the whole server: the dev
//! outbox, JSON errors everywhere under /api and /idp, per-client sign-up
//! limits behind a proxy, per-user quotas (upload tickets, uploaded bytes,
//! direct conversations), and the sweeping of images nobody sent.

mod whole_server;

use reqwest::Method;
use serde_json::{json, Value};
use whole_server::process::files_under;
use whole_server::{eventually, start, Server, PASSWORD};

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{status}: not JSON: {}", String::from_utf8_lossy(&bytes))))
}

#[tokio::test]
async fn the_dev_outbox_is_off_unless_asked_for_and_never_through_a_proxy() {
    let server = start(&[]).await;
    let (status, body) = json_of(server.http.get(server.url("/idp/outbox")).send().await.unwrap()).await;
    assert_eq!((status, body["__type"].as_str()), (404, Some("ResourceNotFoundException")), "{body}");

    let server = start(&["--dev-outbox"]).await;
    let outbox = || server.http.get(server.url("/idp/outbox")).query(&[("email", "a@example.com")]).header("Origin", "https://evil.example");
    let direct = outbox().send().await.unwrap();
    assert_eq!(direct.status(), 200);
    assert!(direct.headers().get("access-control-allow-origin").is_none());
    let (status, body) = json_of(outbox().header("X-Forwarded-For", "203.0.113.9").send().await.unwrap()).await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn every_api_and_idp_error_is_json_and_api_paths_never_serve_the_app() {
    let server = start(&["--auto-confirm"]).await;
    let token = server.account("ed@example.com").await;
    let get = |path: &str| server.http.get(server.url(path)).header("Authorization", &token).send();
    for (path, status, code) in [
        ("/api/", 404, "not_found"),
        ("/api", 404, "not_found"),
        ("/api/rooms/%FF%FE/members", 400, "bad_request"),
        ("/api/rooms/lobby/messages?limit=%FF", 400, "bad_request"),
    ] {
        let (got, body) = json_of(get(path).await.unwrap()).await;
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{path}: {body}");
    }
    let huge = server
        .http
        .post(server.url("/idp/"))
        .header("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(format!("{{\"ClientId\":\"{}\"}}", "x".repeat(70 * 1024)));
    let (status, body) = json_of(huge.send().await.unwrap()).await;
    assert_eq!((status, body["__type"].as_str()), (413, Some("RequestEntityTooLargeException")));
    let (status, body) = json_of(server.http.get(server.url("/idp/nope")).send().await.unwrap()).await;
    assert_eq!((status, body["__type"].as_str()), (404, Some("ResourceNotFoundException")));
}

#[tokio::test]
async fn sign_ups_are_limited_per_client_address_behind_a_proxy() {
    let server = &start(&["--client-ip-source", "RightmostXForwardedFor", "--sign-up-rate", "2/hour"]).await;
    let sign_up = |n: u32, from: &'static str| {
        let name = format!("user{n}");
        async move {
            server.try_sign_up(&name, &format!("{name}@example.com"), &name, PASSWORD, &[("X-Forwarded-For", from)]).await
        }
    };
    // The client writes its own X-Forwarded-For; the proxy appends the real address.
    let attacker = "10.9.9.9, 198.51.100.7";
    assert_eq!(sign_up(0, attacker).await.0, 200);
    assert_eq!(sign_up(1, "1.2.3.4, 198.51.100.7").await.0, 200, "a forged first entry changes nothing");
    let (status, body) = sign_up(2, attacker).await;
    assert_eq!((status, body["__type"].as_str()), (429, Some("TooManyRequestsException")), "{body}");
    assert_eq!(sign_up(3, "198.51.100.8").await.0, 200, "another address signs up");
}

#[tokio::test]
async fn upload_tickets_bytes_and_direct_conversations_have_per_user_quotas() {
    let server = start(&[
        "--auto-confirm", "--upload-ticket-rate", "3/hour", "--upload-bytes-rate", "200/hour",
        "--direct-conversation-rate", "2/hour",
    ])
    .await;
    let token = server.account("quota@example.com").await;
    let png = tiny_png();
    for upload in 0..3 {
        let ticket = ticket(&server, &token, png.len()).await.expect("a ticket");
        let status = put(&server, &ticket, png.clone()).await;
        // Two uploads fit in 200 bytes, the third does not.
        assert_eq!(status, if upload < 2 { 201 } else { 429 }, "upload {upload}");
    }
    let refused = ticket(&server, &token, png.len()).await.expect_err("the fourth ticket is over the quota");
    assert!(refused.1 >= 1, "Retry-After {}", refused.1);

    for peer in ["p1", "p2", "p3"] {
        // Users become known to the chat with their first request.
        let peer_token = server.account(&format!("{peer}@example.com")).await;
        assert_eq!(server.api(Method::GET, "/rooms", &peer_token, None).await.0, 200);
    }
    for (peer, expected) in [("p1", 200), ("p2", 200), ("p3", 429)] {
        let (status, headers, body) =
            server.api_with_headers(Method::POST, "/dms", &token, Some(json!({"user": format!("{peer}@example.com")}))).await;
        assert_eq!(status, expected, "{peer}: {body}");
        if status == 429 {
            assert_eq!(body["code"], "rate_limited");
            assert!(headers.contains_key("retry-after"));
        }
    }
}

#[tokio::test]
async fn images_no_message_refers_to_are_swept_and_attached_ones_stay() {
    let server = start(&["--auto-confirm", "--unattached-image-ttl", "1"]).await;
    let token = server.account("sweep@example.com").await;
    let png = tiny_png();
    let abandoned = ticket(&server, &token, png.len()).await.unwrap();
    assert_eq!(put(&server, &abandoned, png.clone()).await, 201);
    let kept = ticket(&server, &token, png.len()).await.unwrap();
    assert_eq!(put(&server, &kept, png).await, 201);
    let (status, sent) =
        server.api(Method::POST, "/rooms/lobby/messages", &token, Some(json!({"client_id": "c-1", "image_key": kept["key"]}))).await;
    assert_eq!(status, 201, "{sent}");

    let rooms = server.data.path().join("blobs/rooms/lobby");
    let id_of = |ticket: &Value| ticket["key"].as_str().unwrap().rsplit('/').next().unwrap().split('.').next().unwrap().to_owned();
    let (abandoned_id, kept_id) = (id_of(&abandoned), id_of(&kept));
    let files_of = |id: &str| files_under(&rooms).iter().filter(|path| path.to_string_lossy().contains(id)).count();
    eventually("the abandoned image to be swept", || async { files_of(&abandoned_id) == 0 }).await;
    assert_eq!(files_of(&kept_id), 3, "the attached image, its thumbnail and its record stay");
    let (status, body) = server
        .api(Method::POST, "/rooms/lobby/messages", &token, Some(json!({"client_id": "c-2", "image_key": abandoned["key"]})))
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, history) = server.api(Method::GET, "/rooms/lobby/messages", &token, None).await;
    assert_eq!(status, 200);
    let url = history["messages"][0]["image"]["url"].as_str().unwrap().to_owned();
    assert_eq!(server.http.get(server.url(&url)).send().await.unwrap().status(), 200);
}

fn tiny_png() -> Vec<u8> {
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(image::ImageBuffer::from_pixel(2, 2, image::Rgba([9, 8, 7, 255])))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

/// A ticket for the lobby, or the refusal's status and Retry-After.
async fn ticket(server: &Server, token: &str, size: usize) -> Result<Value, (u16, u64)> {
    let body = json!({"room": "lobby", "content_type": "image/png", "size": size});
    let (status, headers, answer) = server.api_with_headers(Method::POST, "/uploads", token, Some(body)).await;
    if status == 200 {
        return Ok(answer);
    }
    assert_eq!(answer["code"], "rate_limited", "{answer}");
    let retry = headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
    Err((status, retry))
}

async fn put(server: &Server, ticket: &Value, bytes: Vec<u8>) -> u16 {
    let response =
        server.http.put(server.url(ticket["url"].as_str().unwrap())).header("content-type", "image/png").body(bytes).send().await.unwrap();
    let status = response.status().as_u16();
    if status == 429 {
        assert!(response.headers().contains_key("retry-after"));
        let (_, body) = json_of(response).await;
        assert_eq!(body["code"], "rate_limited");
    }
    status
}

