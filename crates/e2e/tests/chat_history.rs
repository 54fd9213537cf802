//! A long room against the real server: opening it shows the newest
//! messages at once, scrolled to the bottom; scrolling up loads the older
//! pages from the server (cursor pagination) while the message on screen
//! stays where it was; at the top every message has been shown, once and
//! in order.

use std::collections::BTreeSet;

use anyhow::Context;
use moodchat_e2e::auth::create_account;
use moodchat_e2e::chat::{confirmed, post_messages};
use moodchat_e2e::{eventually, Browser, Server};
use moodchat_protocol::limits::DEFAULT_PAGE_LIMIT;
use serde_json::{json, Value};

const PASSWORD: &str = "Corr3ct-horse!";
/// Two pages and a bit: the room opens on the newest page, two more loads
/// reach the first message.
const COUNT: u32 = DEFAULT_PAGE_LIMIT * 2 + 10;

fn line(n: u32) -> String {
    format!("history line {n:03}")
}

fn number(text: &str) -> Option<u32> {
    text.strip_prefix("history line ")?.parse().ok()
}

/// Scrolls the list to its top and records, in the frame that shows it
/// (effects have run, no network answer can have arrived yet), the first
/// visible message, where its text is from the top of the list, and the
/// oldest message in the list then. Read back with `ANCHOR`.
const SCROLL_TO_TOP: &str = r#"
const scroller = document.querySelector('.message-scroller');
window.__anchor = null;
scroller.addEventListener('scroll', () => requestAnimationFrame(() => {
  const top = scroller.getBoundingClientRect().top;
  const rows = [...document.querySelectorAll('.message-rows .message')];
  const first = rows.find((row) => row.getBoundingClientRect().bottom > top + 1);
  window.__anchor = { key: first.dataset.key,
                      offset: first.querySelector('.message-text').getBoundingClientRect().top - top,
                      oldest: rows[0].querySelector('.message-text').textContent };
}), { capture: true, once: true });
scroller.scrollTop = 0;
"#;

const ANCHOR: &str = "return window.__anchor";

/// How far the list is from its bottom, in px.
const FROM_BOTTOM: &str =
    "const s = document.querySelector('.message-scroller'); return s.scrollHeight - s.scrollTop - s.clientHeight";

/// Where the text of the message with this key is now, relative to the top
/// of the list: what the reader's eyes are on.
const OFFSET_OF: &str = r#"
const scroller = document.querySelector('.message-scroller');
const text = document.querySelector(`.message-rows .message[data-key="${arguments[0]}"] .message-text`);
return text ? text.getBoundingClientRect().top - scroller.getBoundingClientRect().top : null;
"#;

/// The numbers of the confirmed lines in the list, checked to be in order
/// with no gap and no message twice.
async fn shown_numbers(browser: &Browser) -> anyhow::Result<Vec<u32>> {
    let shown = confirmed(&browser.messages().await?);
    let numbers: Vec<u32> = shown.iter().filter_map(|text| number(text)).collect();
    anyhow::ensure!(numbers.windows(2).all(|pair| pair[0] + 1 == pair[1]), "shown out of order or with a gap: {numbers:?}");
    Ok(numbers)
}

#[tokio::test]
async fn scrolling_up_loads_older_pages_and_keeps_the_view_still() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    create_account(&server, "hana@example.com", "Hana", PASSWORD).await?;
    let hana = Browser::start().await?;
    hana.sign_in(&server, "hana@example.com", PASSWORD, "Hana").await?;
    let token = hana.local_storage("moodchat.session.id_token").await?.context("an ID token after signing in")?;
    let lines: Vec<String> = (1..=COUNT).map(line).collect();
    post_messages(&server, &token, "lobby", &lines).await?;

    // The newest page at once, scrolled to the newest message.
    hana.open_room(&server, "lobby", "Lobby").await?;
    hana.wait_for_message(&line(COUNT)).await?;
    // (Rows are measured once shown, so the bottom is reached a frame or two later.)
    let at_bottom = eventually("the list scrolled to its newest message", || async {
        let gap = hana.client.execute(FROM_BOTTOM, vec![]).await.ok()?.as_f64()?;
        (gap < 2.0).then_some(())
    })
    .await;
    if at_bottom.is_err() {
        hana.screenshot("chat-history-opened").await?;
    }
    at_bottom?;

    let mut seen = BTreeSet::new();
    let first_shown = shown_numbers(&hana).await?;
    assert!(!first_shown.contains(&1), "only the newest page is loaded at first");
    seen.extend(first_shown);

    // Up to the first message, one page at a time.
    let mut loads = 0;
    while !seen.contains(&1) {
        anyhow::ensure!(loads < COUNT / DEFAULT_PAGE_LIMIT + 1, "more loads than pages; seen {seen:?}");
        hana.client.execute(SCROLL_TO_TOP, vec![]).await?;
        let anchor: Value = eventually("the list at its top", || async {
            Some(hana.client.execute(ANCHOR, vec![]).await.ok()?).filter(|anchor| !anchor.is_null())
        })
        .await?;
        // The oldest message loaded so far is at the top now (only the rows
        // near the viewport are in the DOM).
        let oldest = anchor["oldest"].as_str().and_then(number).context("a message at the top")?;
        seen.extend(shown_numbers(&hana).await?);
        anyhow::ensure!(oldest > 1, "the first message is at the top but older ones were asked for");
        let key = anchor["key"].as_str().context("a visible row")?.to_owned();
        let before = anchor["offset"].as_f64().context("its offset")?;
        let older = eventually(&format!("messages older than line {oldest}"), || async {
            let numbers = shown_numbers(&hana).await.ok()?;
            numbers.first().is_some_and(|first| *first < oldest).then_some(numbers)
        })
        .await?;
        loads += 1;
        seen.extend(older);
        // The message the reader was looking at has not moved although a
        // page was put above it (and its day line and sender's name moved up
        // to the older messages).
        let after = hana.client.execute(OFFSET_OF, vec![json!(key)]).await?;
        let after = after.as_f64().context("the anchor message still in the list")?;
        assert!((after - before).abs() <= 2.0, "the view jumped by {} px when older messages arrived", after - before);
    }
    assert_eq!(seen, (1..=COUNT).collect::<BTreeSet<_>>(), "every message shown");
    assert_eq!(loads, 2, "two older pages after the newest");
    hana.screenshot("chat-history-top").await?;
    hana.close().await
}
