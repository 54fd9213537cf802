//! Accessibility checks run in the page: WCAG 2.x text contrast of what is
//! on screen, and where the keyboard focus is.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde::Deserialize;
use serde_json::json;

use crate::Browser;

/// One piece of text whose contrast is below what WCAG AA asks.
#[derive(Clone, Debug, Deserialize)]
pub struct LowContrast {
    /// Tag and classes of the element holding the text.
    pub element: String,
    pub text: String,
    pub ratio: f64,
    /// 4.5, or 3.0 for large text.
    pub required: f64,
    pub foreground: String,
    pub background: String,
}

/// What the audit looked at and what it found.
#[derive(Clone, Debug, Deserialize)]
pub struct ContrastAudit {
    /// Text nodes, field values and placeholders checked.
    pub checked: u32,
    pub failures: Vec<LowContrast>,
}

/// Every visible text on the page (text nodes, field values, placeholders of
/// empty fields) against its effective background: the element's and its
/// ancestors' background colours composited in order over the page canvas,
/// with the ancestors' opacity applied to the text. Colours are resolved by
/// painting them on a canvas, so any CSS colour syntax (`light-dark()`,
/// `color-mix()`, oklch) is read as the sRGB pixels the user sees. Text
/// that is only emoji (drawn in its own colours), visually hidden text and
/// disabled controls are exempt, as in WCAG 1.4.3.
const CONTRAST_AUDIT: &str = r#"
const canvas = document.createElement('canvas');
canvas.width = canvas.height = 1;
const ctx = canvas.getContext('2d', { willReadFrequently: true });
const rgba = (css) => {
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillStyle = '#000';
  ctx.fillStyle = css;
  ctx.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
  return a === 0 ? [0, 0, 0, 0] : [r / (a / 255), g / (a / 255), b / (a / 255), a / 255];
};
const over = (top, bottom) => {
  const a = top[3] + bottom[3] * (1 - top[3]);
  if (a === 0) return [0, 0, 0, 0];
  const mix = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
  return [mix(0), mix(1), mix(2), a];
};
const luminance = ([r, g, b]) => {
  const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
};
const ratio = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
const probe = document.createElement('div');
probe.style.cssText = 'background: Canvas; position: absolute; width: 0; height: 0';
document.body.appendChild(probe);
const pageCanvas = rgba(getComputedStyle(probe).backgroundColor);
probe.remove();
const hex = (c) => '#' + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '');
const hidden = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0') return true;
    if (s.clipPath === 'inset(50%)' || (s.position === 'absolute' && e.clientWidth <= 1 && e.clientHeight <= 1 && s.overflow === 'hidden')) return true;
  }
  const box = el.getBoundingClientRect();
  return box.width < 1 || box.height < 1;
};
// The background under `el` and the opacity its text is drawn with.
const backdrop = (el) => {
  let background = [0, 0, 0, 0];
  let opacity = 1;
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    background = over(background, rgba(s.backgroundColor));
    opacity *= parseFloat(s.opacity);
  }
  return [over(background, pageCanvas), opacity];
};
const emojiOnly = /^[\p{Extended_Pictographic}\p{Emoji_Component}\u200d\ufe0f\s]+$/u;
const failures = [];
let checked = 0;
const check = (el, text, color) => {
  text = text.trim();
  if (!text || emojiOnly.test(text) || hidden(el)) return;
  checked++;
  const s = getComputedStyle(el);
  const [background, opacity] = backdrop(el);
  const fg = rgba(color);
  const shown = over([fg[0], fg[1], fg[2], fg[3] * opacity], background);
  const size = parseFloat(s.fontSize);
  const large = size >= 24 || (size >= 18.66 && parseInt(s.fontWeight, 10) >= 700);
  const required = large ? 3 : 4.5;
  const r = ratio(shown, background);
  if (r < required) {
    failures.push({ element: describe(el), text: text.slice(0, 40), ratio: Math.round(r * 100) / 100,
                    required, foreground: hex(shown), background: hex(background) });
  }
};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const el = node.parentElement;
  if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'OPTION', 'TEXTAREA'].includes(el.tagName)) continue;
  check(el, node.data, getComputedStyle(el).color);
}
for (const field of document.querySelectorAll('input, textarea, select')) {
  if (field.disabled || ['hidden', 'file', 'checkbox', 'radio'].includes(field.type)) continue;
  if (field.tagName === 'SELECT') {
    check(field, field.selectedOptions[0]?.text ?? '', getComputedStyle(field).color);
  } else if (field.value) {
    check(field, field.value, getComputedStyle(field).color);
  } else if (field.placeholder) {
    check(field, field.placeholder, getComputedStyle(field, '::placeholder').color);
  }
}
return { checked, failures };
"#;

impl Browser {
    /// Checks the contrast of every visible text on the page (see
    /// `CONTRAST_AUDIT`).
    pub async fn contrast_audit(&self) -> anyhow::Result<ContrastAudit> {
        let value = self.client.execute(CONTRAST_AUDIT, vec![]).await?;
        Ok(serde_json::from_value(value)?)
    }

    /// `id`, or else tag and classes, of the focused element.
    pub async fn focused(&self) -> anyhow::Result<String> {
        let value = self
            .client
            .execute(
                "const e = document.activeElement;
                 return e ? (e.id || e.tagName.toLowerCase() + '.' + String(e.className).trim().split(/\\s+/).join('.')) : ''",
                vec![],
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Presses and releases one key (a character, or a WebDriver key such
    /// as `keys::TAB`) on the keyboard: it goes to whatever has the focus,
    /// the page's body included.
    pub async fn press(&self, key: char) -> anyhow::Result<()> {
        let keyboard = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client.perform_actions(keyboard).await?;
        Ok(())
    }

    /// Types `text` into the focused field.
    pub async fn type_text(&self, text: &str) -> anyhow::Result<()> {
        self.client.active_element().await?.send_keys(text).await?;
        Ok(())
    }

    /// Presses Tab until the focused element matches `css`, as a keyboard
    /// user would; fails after `limit` presses.
    pub async fn tab_to(&self, css: &str, limit: u32) -> anyhow::Result<()> {
        for _ in 0..limit {
            self.press(keys::TAB).await?;
            let matches = self.client.execute("return document.activeElement.matches(arguments[0])", vec![json!(css)]).await?;
            if matches.as_bool() == Some(true) {
                return Ok(());
            }
        }
        anyhow::bail!("{css} not reached in {limit} presses of Tab (focus on {})", self.focused().await?)
    }
}

/// WebDriver's codes for the keys the tests press.
pub mod keys {
    pub const TAB: char = '\u{E004}';
    pub const ENTER: char = '\u{E007}';
    pub const ESCAPE: char = '\u{E00C}';
    pub const END: char = '\u{E010}';
    pub const HOME: char = '\u{E011}';
    pub const ARROW_LEFT: char = '\u{E012}';
    pub const ARROW_RIGHT: char = '\u{E014}';
}
