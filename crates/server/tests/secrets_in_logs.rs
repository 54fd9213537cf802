//! Nothing that signs anyone in may reach the logs, at any level: not the
//! confirmation code, not the id, access or refresh token, not a blob URL's
//! signature. The real binary runs at RUST_LOG=trace (every library's
//! logging included) through a whole session: sign-up with a code, sign-in,
//! REST with the id token, a WebSocket with ?token=, a refresh, an image
//! upload and download; then its stderr is searched.

mod whole_server;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use whole_server::process::{Options, Process};
use whole_server::{Server, CLIENT_ID, PASSWORD};

#[tokio::test]
async fn codes_tokens_and_signatures_never_reach_the_log() {
    let mut process = Process::start(Options { args: &["--dev-outbox"], log_level: Some("trace"), nofile: None, data_dir: None });
    let server = Server::attach(process.addr);
    let email = "leak@example.com";
    server.sign_up(email, "Leak", PASSWORD).await;
    let outbox: Value =
        server.http.get(server.url("/idp/outbox")).query(&[("email", email)]).send().await.unwrap().json().await.unwrap();
    let code = outbox["messages"][0]["code"].as_str().unwrap().to_owned();
    let (status, answer) = server
        .cognito("ConfirmSignUp", json!({"ClientId": CLIENT_ID, "Username": email, "ConfirmationCode": code}))
        .await;
    assert_eq!(status, 200, "{answer}");
    let tokens = server.sign_in(email, PASSWORD).await.unwrap();
    let secret = |name: &str| tokens[name].as_str().unwrap().to_owned();
    let (id_token, access_token, refresh_token) = (secret("IdToken"), secret("AccessToken"), secret("RefreshToken"));

    let (status, _) = server.api(reqwest::Method::GET, "/rooms", &id_token, None).await;
    assert_eq!(status, 200);
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/api/ws?token={id_token}", process.addr)).await.unwrap();
    socket.send(WsMessage::text(json!({"action": "ping"}).to_string())).await.unwrap();
    let pong = socket.next().await.unwrap().unwrap();
    assert!(pong.to_text().unwrap().contains("pong"));
    drop(socket);
    let (status, answer) = server
        .cognito("InitiateAuth", json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": CLIENT_ID,
                                        "AuthParameters": {"REFRESH_TOKEN": refresh_token}}))
        .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = server.cognito("GetUser", json!({"AccessToken": access_token})).await;
    assert_eq!(status, 200, "{answer}");
    let signature = upload_and_download(&server, &id_token).await;

    process.stop();
    let log = process.log_text();
    assert!(log.contains("code delivered"), "the delivery itself is logged");
    assert!(log.contains("token=REDACTED"), "the WebSocket URI is logged, redacted");
    let secrets = [
        ("the confirmation code", code.as_str()),
        ("the id token", id_token.as_str()),
        ("the id token's signature", id_token.rsplit('.').next().unwrap()),
        ("the access token", access_token.as_str()),
        ("the access token's signature", access_token.rsplit('.').next().unwrap()),
        ("the refresh token", refresh_token.as_str()),
        ("a blob URL's signature", signature.as_str()),
    ];
    for (what, secret) in secrets {
        assert!(!log.contains(secret), "{what} is in the log ({} bytes of log)", log.len());
    }
}

/// Uploads a tiny PNG and fetches it back; returns the download URL's signature.
async fn upload_and_download(server: &Server, token: &str) -> String {
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(image::ImageBuffer::from_pixel(2, 2, image::Rgba([1, 2, 3, 255])))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let (status, ticket) = server
        .api(reqwest::Method::POST, "/uploads", token, Some(json!({"room": "lobby", "content_type": "image/png", "size": png.len()})))
        .await;
    assert_eq!(status, 200, "{ticket}");
    let put = server.http.put(server.url(ticket["url"].as_str().unwrap())).header("content-type", "image/png").body(png);
    assert_eq!(put.send().await.unwrap().status(), 201);
    let message = json!({"client_id": "c-1", "image_key": ticket["key"]});
    let (status, sent) = server.api(reqwest::Method::POST, "/rooms/lobby/messages", token, Some(message)).await;
    assert_eq!(status, 201, "{sent}");
    let url = sent["image"]["url"].as_str().unwrap();
    assert_eq!(server.http.get(server.url(url)).send().await.unwrap().status(), 200);
    url.split("sig=").nth(1).unwrap().to_owned()
}
