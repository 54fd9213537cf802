//! Moments of a page load as the page itself sees them: a script run before
//! the page's own (`DevTools::run_before_each_document`) notes the first
//! frame after something shows, on the page's clock, and the test reads it.

use anyhow::Context;
use serde_json::json;

use crate::{eventually_within, Browser};

/// The script: a `MutationObserver` testing each moment's condition.
/// Its selectors are the ones the other end-to-end helpers use
/// (crates/e2e/src/chat.rs, auth.rs).
pub const MOMENTS_SCRIPT: &str = r#"(() => {
  const marks = (window.__moodchatMoments = {});
  const tests = {
    // A message of the room, with its text.
    firstMessage: () => [...document.querySelectorAll('.message-rows .message .message-text')]
      .some(text => text.textContent.trim() !== ''),
    // The sign-in form, ready to type in and send.
    signInUsable: () => ['#email', '#password', '.auth-form button[type=submit]']
      .map(selector => document.querySelector(selector))
      .every(field => field && !field.disabled),
    // The composer's mood preview, with the model's score.
    moodPreview: () => [...document.querySelectorAll('.composer .mood-preview')]
      .some(preview => preview.textContent.trim() !== '' && (preview.title || '').endsWith('%')),
  };
  const check = () => {
    for (const [name, holds] of Object.entries(tests)) {
      if (!(name in marks) && holds()) {
        marks[name] = null;
        requestAnimationFrame(() => { marks[name] = performance.now(); });
      }
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
})();"#;

/// A moment `MOMENTS_SCRIPT` notes.
#[derive(Clone, Copy, Debug)]
pub enum Moment {
    FirstMessage,
    SignInUsable,
    MoodPreview,
}

impl Moment {
    fn name(self) -> &'static str {
        match self {
            Moment::FirstMessage => "firstMessage",
            Moment::SignInUsable => "signInUsable",
            Moment::MoodPreview => "moodPreview",
        }
    }
}

impl Browser {
    /// Waits (up to `limit`) for `moment` in the current document; returns
    /// it in milliseconds since the Unix epoch, the clock of `NetworkLog`.
    pub async fn wait_for_moment(&self, moment: Moment, limit: std::time::Duration) -> anyhow::Result<f64> {
        let script = "const at = window.__moodchatMoments?.[arguments[0]]; \
                      return typeof at === 'number' ? performance.timeOrigin + at : null";
        eventually_within(limit, &format!("the moment {moment:?}"), || async {
            self.client.execute(script, vec![json!(moment.name())]).await.ok()?.as_f64()
        })
        .await
    }

    /// Now, in milliseconds since the Unix epoch, by the page's clock.
    pub async fn page_now(&self) -> anyhow::Result<f64> {
        let now = self.client.execute("return performance.timeOrigin + performance.now()", vec![]).await?;
        now.as_f64().context("the page's clock")
    }

    /// When the current document's navigation started, same clock.
    pub async fn navigation_start(&self) -> anyhow::Result<f64> {
        let origin = self.client.execute("return performance.timeOrigin", vec![]).await?;
        origin.as_f64().context("performance.timeOrigin")
    }
}
