//! Images in the app: a small real PNG attached through the composer's file
//! input, and the first message image a browser has really decoded. Shared
//! by the embedded server's image tests and the local serverless stack's.

use fantoccini::Locator;

use crate::{eventually, Browser};

/// A valid 4×3 RGB PNG (made with zlib and CRC-32; decodes in any reader).
pub const TINY_PNG: [u8; 73] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x03, 0x08, 0x02, 0x00, 0x00, 0x00, 0x3b, 0x96, 0x39, 0x91, 0x00, 0x00, 0x00, 0x10, 0x49,
    0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x78, 0xe0, 0xd0, 0x00, 0x47, 0x0c, 0x38, 0x39, 0x00, 0x80, 0xf6, 0x13, 0x81,
    0xa4, 0x31, 0x0c, 0x4f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The composer's attachment block while it shows a preview.
pub const SHOWN_PREVIEW: &str = ".composer-attachment:not([hidden]) .attachment-preview";

/// Picks [`TINY_PNG`] in the composer's file input, as a person choosing a
/// file does, and waits for its preview. The file lives until the returned
/// handle is dropped.
pub async fn attach_tiny_png(browser: &Browser) -> anyhow::Result<tempfile::NamedTempFile> {
    let file = tempfile::Builder::new().prefix("tiny").suffix(".png").tempfile()?;
    std::fs::write(file.path(), TINY_PNG)?;
    let input = browser.client.find(Locator::Css("#composer-image")).await?;
    input.send_keys(&file.path().canonicalize()?.to_string_lossy()).await?;
    eventually("the attachment preview", || async { browser.client.find(Locator::Css(SHOWN_PREVIEW)).await.ok() })
        .await?;
    Ok(file)
}

/// The first message row's image that has loaded: its (src, naturalWidth).
pub async fn loaded_image(browser: &Browser) -> anyhow::Result<(String, u64)> {
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
