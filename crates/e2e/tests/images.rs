//! Sharing an image end to end: a signed-in user attaches a PNG through the
//! composer's file input and sends it; the upload goes through the real
//! ticket and PUT; a second user sees the image load in the lobby; and the
//! administrators' webhook is told about the stored image. Images pasted and
//! dropped (files made in the page), a slow upload's progress and its
//! cancelling (the browser's network really throttled through chromedriver),
//! the pending message showing the local file, and the full-size viewer.


use fantoccini::Locator;
use moodchat_e2e::a11y::keys;
use moodchat_e2e::auth;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::images::{attach_tiny_png, loaded_image, SHOWN_PREVIEW};
use moodchat_e2e::{eventually, Browser, Server, DEADLINE};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const PASSWORD: &str = "Corr3ct-horse!";

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
    auth::signed_in(server, email, name, PASSWORD, BrowserOptions::default(), "Lobby").await
}

#[tokio::test]
async fn an_attached_png_reaches_the_other_person_and_the_webhook() -> anyhow::Result<()> {
    let (webhook, mut notices) = webhook_receiver().await?;
    let server = Server::start(&["--auto-confirm", "--image-webhook", &webhook]).await?;
    let alice = signed_in(&server, "alice.images@example.com", "Alice").await?;
    let bob = signed_in(&server, "bob.images@example.com", "Bob").await?;

    // The preview shows before anything is sent.
    let _file = attach_tiny_png(&alice).await?;
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
    assert_eq!(open.attr("data-size").await?.as_deref(), Some("4 3"), "the viewer gets the natural size");

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


/// Runs `script` in the page and returns what it returns.
async fn page(browser: &Browser, script: &str) -> anyhow::Result<Value> {
    Ok(browser.client.execute(script, vec![]).await?)
}

/// Every file under the server's image store (finished or in progress).
fn stored_files(server: &Server) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&server.data_dir().join("blobs"), &mut found);
    found
}

#[tokio::test]
async fn a_slow_upload_shows_its_progress_and_can_be_cancelled() -> anyhow::Result<()> {
    let server = Server::start(&["--auto-confirm"]).await?;
    let dave = signed_in(&server, "dave.images@example.com", "Dave").await?;
    let size = dave.make_png("noise", 1200, 900, true).await?;
    assert!(size > 3_000_000, "random pixels make a multi-MB PNG, not {size} bytes");
    assert!(dave.paste_file("noise", "#composer-text").await?, "the composer takes a pasted image");
    eventually("the pasted image's preview", || async { dave.client.find(Locator::Css(SHOWN_PREVIEW)).await.ok() })
        .await?;

    // 256 KB/s: the PUT takes over ten seconds, long enough to watch.
    dave.throttle_uploads(256 * 1024).await?;
    dave.send_message("never sent").await?;
    let shown = eventually("the upload's progress bar to show and move", || async {
        let value = page(&dave, "const bar = document.querySelector('.upload-progress');
                                 return bar && !bar.hidden && bar.getClientRects().length ? bar.value : null")
            .await
            .ok()?
            .as_u64()?;
        (1..100).contains(&value).then_some(value)
    })
    .await?;
    eventually("the bytes arriving at the server", || async {
        stored_files(&server).iter().any(|path| path.extension().is_some_and(|ext| ext == "part")).then_some(())
    })
    .await?;
    dave.screenshot("image-upload-progress").await?;

    dave.client.find(Locator::XPath("//button[normalize-space()='Cancel upload']")).await?.click().await?;
    dave.wait_for_text(".composer-error", "Upload cancelled").await?;
    let progress_hidden = page(&dave, "return document.querySelector('.upload-progress').hidden").await?;
    assert_eq!(progress_hidden, json!(true), "the progress bar goes once cancelled (it was at {shown}%)");
    eventually("the server to keep nothing of the cancelled upload", || async {
        stored_files(&server).is_empty().then_some(())
    })
    .await?;
    dave.stop_throttling().await?;
    assert!(dave.messages().await?.is_empty(), "nothing was sent");
    let text = dave.composer().await?;
    assert_eq!(text.prop("value").await?.as_deref(), Some("never sent"), "the text stays, to send again");

    // The composer works again: without the image, the text goes out.
    dave.client.find(Locator::XPath("//button[normalize-space()='Remove image']")).await?.click().await?;
    assert!(dave.client.find(Locator::Css(SHOWN_PREVIEW)).await.is_err(), "the image is removed");
    text.clear().await?;
    dave.send_message("after the cancel").await?;
    dave.wait_for_message("after the cancel").await?;
    let rows = dave.messages().await?;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(page(&dave, "return document.querySelectorAll('.message img').length").await?, json!(0));
    dave.close().await?;
    Ok(())
}

/// Records every message row as it is added to the list, pending ones
/// included (they last only until the ack): its key, whether it is pending,
/// its image's source and the size of its bubble.
const RECORD_ROWS: &str = r#"
    window.e2eRows = [];
    const record = row => {
      const image = row.querySelector('img.message-image');
      const bubble = row.querySelector('.bubble').getBoundingClientRect();
      window.e2eRows.push({ key: row.dataset.key, pending: row.classList.contains('pending'),
                            src: image ? image.getAttribute('src') : null,
                            width: bubble.width, height: bubble.height });
    };
    new MutationObserver(changes => {
      for (const change of changes)
        for (const node of change.addedNodes)
          if (node.classList && node.classList.contains('message')) record(node);
    }).observe(document.querySelector('.message-rows'), { childList: true });
"#;

/// The viewer's state: open, modal, its image's source, whether that image
/// has loaded at `natural_width`, whether it fits in the viewport, what has
/// the focus, and its labels.
const VIEWER_STATE: &str = r#"
    const dialog = document.getElementById('image-viewer');
    if (!dialog) return null;
    const image = dialog.querySelector('img');
    const box = image.getBoundingClientRect();
    const active = document.activeElement;
    return { open: dialog.open, modal: dialog.matches(':modal'), src: image.getAttribute('src'),
             natural: image.complete ? image.naturalWidth : 0,
             fits: box.left >= 0 && box.top >= 0 && box.right <= innerWidth && box.bottom <= innerHeight && box.width > 0,
             focus: active.className, focusId: active.id, label: dialog.getAttribute('aria-label'),
             close: dialog.querySelector('.image-viewer-close').getAttribute('aria-label'),
             alt: image.alt,
             shape: ['--w', '--h'].map((name) => getComputedStyle(image).getPropertyValue(name).trim()).join('x') };
"#;

/// Waits until the viewer is open, modal, has the focus and has loaded the
/// full image at its natural width; returns its state.
async fn viewer_opened(browser: &Browser, natural_width: u64) -> anyhow::Result<Value> {
    eventually("the image viewer to open with the full image", || async {
        let state = page(browser, VIEWER_STATE).await.ok()?;
        (state["open"] == json!(true) && state["natural"] == json!(natural_width)).then_some(state)
    })
    .await
}

/// Waits until the viewer is closed and the focus is back on `opener_id`.
async fn viewer_closed(browser: &Browser, opener_id: &str) -> anyhow::Result<()> {
    eventually(&format!("the viewer to close and give the focus back to #{opener_id}"), || async {
        let state = page(browser, VIEWER_STATE).await.ok()?;
        (state["open"] == json!(false) && state["focusId"] == json!(opener_id)).then_some(())
    })
    .await
}

#[tokio::test]
async fn a_dropped_image_shows_while_pending_and_opens_full_size_in_the_page() -> anyhow::Result<()> {
    let server = Server::start(&["--auto-confirm"]).await?;
    let erin = signed_in(&server, "erin.images@example.com", "Erin").await?;
    erin.make_png("photo", 640, 480, false).await?;
    assert!(erin.drop_file("photo").await?, "the page takes the drop instead of navigating to the file");
    eventually("the dropped image's preview", || async { erin.client.find(Locator::Css(SHOWN_PREVIEW)).await.ok() })
        .await?;

    // The pending row shows the file itself, in the space the server's copy
    // then takes: no duplicate, no jump, and the local copy is let go.
    page(&erin, RECORD_ROWS).await?;
    erin.send_message("a dropped picture").await?;
    let confirmed = erin.wait_for_message("a dropped picture").await?;
    let (src, natural_width) = loaded_image(&erin).await?;
    assert_eq!(natural_width, 480, "the row shows the server's thumbnail ({src})");
    let recorded: Vec<Value> = serde_json::from_value(page(&erin, "return window.e2eRows").await?)?;
    let pending = recorded
        .iter()
        .find(|row| row["pending"] == json!(true))
        .ok_or_else(|| anyhow::anyhow!("no pending row was shown: {recorded:?}"))?;
    let local = pending["src"].as_str().unwrap_or_default().to_owned();
    assert!(local.starts_with("blob:"), "the pending row shows the local file: {pending}");
    let rows = erin.messages().await?;
    assert_eq!(rows.len(), 1, "one row, no duplicate: {rows:?}");
    let bubble = page(&erin, "const box = document.querySelector('.message .bubble').getBoundingClientRect();
                              return [box.width, box.height]").await?;
    assert_eq!(bubble, json!([pending["width"], pending["height"]]), "the bubble keeps its size from pending to confirmed");
    assert_eq!(page(&erin, "return document.querySelectorAll('.message img').length").await?, json!(1));
    eventually("the local copy to be revoked", || async {
        let revoked = erin
            .client
            // An image load, not fetch(): the page's CSP lets images (not
            // fetch) read blob: URLs, so only a revoked URL fails to load.
            .execute_async(
                "const [url, done] = arguments; const probe = new Image();
                 probe.onload = () => done(false); probe.onerror = () => done(true); probe.src = url;",
                vec![json!(local)],
            )
            .await
            .ok()?;
        (revoked == json!(true)).then_some(())
    })
    .await?;

    // Click: the full-size image in a modal dialog, with the focus in it.
    let opener_id = format!("image-{}", confirmed.key);
    let opener = erin.client.find(Locator::Id(&opener_id)).await?;
    let full = opener.attr("data-full").await?.unwrap_or_default();
    opener.click().await?;
    let state = viewer_opened(&erin, 640).await?;
    assert_eq!(state["modal"], json!(true));
    assert_eq!(state["src"], json!(full), "the full-size image, not the thumbnail");
    assert!(!full.contains(".thumb."), "{full}");
    assert_eq!(state["focus"], json!("image-viewer-close"), "the focus moves into the dialog");
    assert_eq!(state["label"], json!("Full-size image"));
    assert_eq!(state["close"], json!("Close the image"));
    assert_eq!(state["alt"], json!("Shared image"));
    assert_eq!(state["shape"], json!("640x480"), "the natural size applies under the page's CSP: {state}");
    assert_eq!(state["fits"], json!(true), "{state}");
    erin.screenshot("image-viewer-desktop").await?;
    erin.press(keys::ESCAPE).await?;
    viewer_closed(&erin, &opener_id).await?;

    // The keyboard: Tab from the message list reaches the image; Enter and
    // Space open it; Escape and the close button close it.
    page(&erin, "document.querySelector('.message-scroller').focus()").await?;
    erin.press(keys::TAB).await?;
    let focused = erin.client.active_element().await?.attr("id").await?;
    assert_eq!(focused.as_deref(), Some(opener_id.as_str()), "the image is the next stop after the list");
    erin.press(keys::ENTER).await?;
    viewer_opened(&erin, 640).await?;
    erin.press(keys::ESCAPE).await?;
    viewer_closed(&erin, &opener_id).await?;
    erin.press(' ').await?;
    viewer_opened(&erin, 640).await?;
    erin.client.find(Locator::Css(".image-viewer-close")).await?.click().await?;
    viewer_closed(&erin, &opener_id).await?;

    // A phone's viewport, in the dark theme: the image is scaled to fit.
    erin.client.set_window_size(390, 844).await?;
    page(&erin, "document.documentElement.dataset.theme = 'dark'").await?;
    erin.client.find(Locator::Id(&opener_id)).await?.click().await?;
    let state = viewer_opened(&erin, 640).await?;
    assert_eq!(state["fits"], json!(true), "the 640 px image fits a 390 px wide phone: {state}");
    erin.screenshot("image-viewer-phone-dark").await?;
    erin.press(keys::ESCAPE).await?;
    viewer_closed(&erin, &opener_id).await?;
    erin.close().await?;
    Ok(())
}
