//! Sharing an image end to end: a signed-in user attaches a PNG through the
//! composer's file input and sends it; the upload goes through the real
//! ticket and PUT; a second user sees the image load in the lobby; and the
//! administrators' webhook is told about the stored image.


use fantoccini::Locator;
use moodchat_e2e::auth::create_account;
use moodchat_e2e::{eventually, Browser, Server, DEADLINE};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const PASSWORD: &str = "Corr3ct-horse!";
/// The composer's attachment block while it shows a preview.
const SHOWN_PREVIEW: &str = ".composer-attachment:not([hidden]) .attachment-preview";

/// A valid 4×3 RGB PNG (made with zlib and CRC-32; decodes in any reader).
const TINY_PNG: [u8; 73] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x03, 0x08, 0x02, 0x00, 0x00, 0x00, 0x3b, 0x96, 0x39, 0x91, 0x00, 0x00, 0x00, 0x10, 0x49,
    0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x78, 0xe0, 0xd0, 0x00, 0x47, 0x0c, 0x38, 0x39, 0x00, 0x80, 0xf6, 0x13, 0x81,
    0xa4, 0x31, 0x0c, 0x4f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A webhook receiver on a free loopback port: every POST body it gets is
/// parsed as JSON and handed to the channel; it always answers `204`.
async fn webhook_receiver() -> anyhow::Result<(String, mpsc::UnboundedReceiver<Value>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let (notices, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let notices = notices.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                // Read the head, then exactly Content-Length bytes of body.
                let body = loop {
                    let Ok(read) = stream.read(&mut buffer).await else { return };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..read]);
                    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length:"))
                        .and_then(|value| value.trim().parse().ok())
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break request[end + 4..end + 4 + length].to_vec();
                    }
                };
                let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n").await;
                if let Ok(notice) = serde_json::from_slice(&body) {
                    let _ = notices.send(notice);
                }
            });
        }
    });
    Ok((url, received))
}

async fn signed_in(server: &Server, email: &str, name: &str) -> anyhow::Result<Browser> {
    create_account(server, email, name, PASSWORD).await?;
    let browser = Browser::start().await?;
    browser.sign_in(server, email, PASSWORD, name).await?;
    browser.open_room(server, "lobby", "Lobby").await?;
    Ok(browser)
}

/// The first message row's image that has loaded: its (src, naturalWidth).
async fn loaded_image(browser: &Browser) -> anyhow::Result<(String, u64)> {
    eventually("an image in a message row to load", || async {
        let found = browser
            .client
            .execute(
                r#"const img = [...document.querySelectorAll('.message-rows .message img.message-image')]
                       .find(img => img.complete && img.naturalWidth > 0);
                   return img ? [img.currentSrc, img.naturalWidth] : null;"#,
                vec![],
            )
            .await
            .ok()?;
        Some((found.get(0)?.as_str()?.to_owned(), found.get(1)?.as_u64()?))
    })
    .await
}

#[tokio::test]
async fn an_attached_png_reaches_the_other_person_and_the_webhook() -> anyhow::Result<()> {
    let (webhook, mut notices) = webhook_receiver().await?;
    let server = Server::start(&["--auto-confirm", "--image-webhook", &webhook]).await?;
    let alice = signed_in(&server, "alice.images@example.com", "Alice").await?;
    let bob = signed_in(&server, "bob.images@example.com", "Bob").await?;

    let file = tempfile::Builder::new().prefix("tiny").suffix(".png").tempfile()?;
    std::fs::write(file.path(), TINY_PNG)?;
    let input = alice.client.find(Locator::Css("#composer-image")).await?;
    input.send_keys(&file.path().canonicalize()?.to_string_lossy()).await?;
    // The preview shows before anything is sent.
    eventually("the attachment preview", || async { alice.client.find(Locator::Css(SHOWN_PREVIEW)).await.ok() })
        .await?;
    alice.send_message("a tiny red picture").await?;
    alice.wait_for_message("a tiny red picture").await?;
    let (_, alice_width) = loaded_image(&alice).await?;
    assert_eq!(alice_width, 4, "the sender sees the 4×3 image");
    assert!(
        alice.client.find(Locator::Css(SHOWN_PREVIEW)).await.is_err(),
        "the attachment is cleared once sent"
    );

    bob.wait_for_message("a tiny red picture").await?;
    let (src, width) = loaded_image(&bob).await?;
    assert_eq!(width, 4, "the other person's browser decoded the image from {src}");
    let open = bob.client.find(Locator::Css(".message-image-button")).await?;
    assert_eq!(open.attr("aria-label").await?.as_deref(), Some("Open the full-size image"));
    assert_eq!(open.attr("data-size").await?.as_deref(), Some("--w:4;--h:3"), "the viewer gets the natural size");

    let notice = tokio::time::timeout(DEADLINE, notices.recv())
        .await
        .map_err(|_| anyhow::anyhow!("no webhook notice within {DEADLINE:?}"))?
        .ok_or_else(|| anyhow::anyhow!("the webhook receiver stopped"))?;
    assert_eq!(notice["event"], "image_uploaded");
    assert_eq!(notice["room"], "lobby");
    assert_eq!(notice["content_type"], "image/png");
    assert_eq!(notice["uploader"]["name"], "Alice");
    assert_eq!((notice["width"].as_u64(), notice["height"].as_u64()), (Some(4), Some(3)));
    assert!(notice["key"].as_str().is_some_and(|key| key.starts_with("rooms/lobby/") && key.ends_with(".png")));

    alice.close().await?;
    bob.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_file_that_is_not_an_image_is_refused_before_upload() -> anyhow::Result<()> {
    let server = Server::start(&["--auto-confirm"]).await?;
    let alice = signed_in(&server, "carol.images@example.com", "Carol").await?;
    let file = tempfile::Builder::new().prefix("notes").suffix(".txt").tempfile()?;
    std::fs::write(file.path(), "not an image")?;
    let input = alice.client.find(Locator::Css("#composer-image")).await?;
    input.send_keys(&file.path().canonicalize()?.to_string_lossy()).await?;
    let error = alice.wait_for_text(".composer-error", "Only JPEG, PNG, GIF or WebP").await?;
    assert!(error.contains("WebP"), "{error}");
    assert!(alice.client.find(Locator::Css(SHOWN_PREVIEW)).await.is_err(), "no preview for a refused file");
    alice.close().await?;
    Ok(())
}
