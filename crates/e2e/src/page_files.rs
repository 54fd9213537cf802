//! Files made in the page and handed to it the ways a user does besides the
//! file picker: pasted (a `ClipboardEvent('paste')` whose `DataTransfer`
//! holds the file) or dropped (`DragEvent`s `dragover` and `drop`). The file
//! is a real PNG, drawn on a canvas and encoded by the browser.

use serde_json::json;

use crate::Browser;

impl Browser {
    /// Draws a `width`×`height` PNG in the page and keeps it as the `File`
    /// `name` for `paste_file` and `drop_file`; returns its size in bytes.
    /// With `noise` the pixels are random, which PNG cannot compress: a file
    /// of several MB from a modest size, to make an upload take a while.
    pub async fn make_png(&self, name: &str, width: u32, height: u32, noise: bool) -> anyhow::Result<u64> {
        let size = self
            .client
            .execute_async(
                r#"const [name, width, height, noise, done] = arguments;
                   const canvas = document.createElement('canvas');
                   canvas.width = width;
                   canvas.height = height;
                   const context = canvas.getContext('2d');
                   if (noise) {
                     const pixels = context.createImageData(width, height);
                     const data = pixels.data;
                     for (let i = 0; i < data.length; i += 4) {
                       data[i] = Math.random() * 256;
                       data[i + 1] = Math.random() * 256;
                       data[i + 2] = Math.random() * 256;
                       data[i + 3] = 255;
                     }
                     context.putImageData(pixels, 0, 0);
                   } else {
                     context.fillStyle = '#c62828';
                     context.fillRect(0, 0, width, height);
                     context.fillStyle = '#1565c0';
                     context.fillRect(0, 0, width / 2, height / 2);
                   }
                   canvas.toBlob(blob => {
                     const file = new File([blob], name + '.png', { type: 'image/png' });
                     (window.e2eFiles ??= {})[name] = file;
                     done(file.size);
                   }, 'image/png');"#,
                vec![json!(name), json!(width), json!(height), json!(noise)],
            )
            .await?;
        size.as_u64().ok_or_else(|| anyhow::anyhow!("the page made no PNG: {size}"))
    }

    /// Pastes the file `name` into the element matching `css`, as the
    /// browser does for a paste from the clipboard; returns whether the page
    /// took it (prevented the default).
    pub async fn paste_file(&self, name: &str, css: &str) -> anyhow::Result<bool> {
        let taken = self
            .client
            .execute(
                r#"const [name, css] = arguments;
                   const data = new DataTransfer();
                   data.items.add(window.e2eFiles[name]);
                   const target = document.querySelector(css);
                   target.focus();
                   const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
                   target.dispatchEvent(paste);
                   return paste.defaultPrevented;"#,
                vec![json!(name), json!(css)],
            )
            .await?;
        Ok(taken == json!(true))
    }

    /// Drags the file `name` over the page and drops it there; returns
    /// whether the page took both events (without that, the browser would
    /// navigate to the file).
    pub async fn drop_file(&self, name: &str) -> anyhow::Result<bool> {
        let taken = self
            .client
            .execute(
                r#"const [name] = arguments;
                   const data = new DataTransfer();
                   data.items.add(window.e2eFiles[name]);
                   const events = ['dragover', 'drop'].map(kind =>
                     new DragEvent(kind, { dataTransfer: data, bubbles: true, cancelable: true }));
                   for (const event of events) document.querySelector('main, body').dispatchEvent(event);
                   return events.every(event => event.defaultPrevented);"#,
                vec![json!(name)],
            )
            .await?;
        Ok(taken == json!(true))
    }
}
