//! Reactions, end to end: Alice (desktop, English, light) reacts to her
//! message from the picker by keyboard; Bob (a phone, 390x844, Korean,
//! dark) sees the chip live and after a reload, adds his own by clicking
//! the chip and another emoji from the picker with the mouse; Alice sees the
//! counts change and takes hers back with Enter on her chip. Between two apps that
//! poll (no WebSocket), a reaction arrives with the next poll. Screenshots
//! in the test artifacts (reactions-*).

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::Locator;
use moodchat_e2e::a11y::keys::{ARROW_LEFT, ARROW_RIGHT, END, ESCAPE, HOME};
use moodchat_e2e::auth::signed_in;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::chat::ENTER;
use moodchat_e2e::{eventually, Browser, Server};
use serde_json::Value;

const PASSWORD: &str = "React-and-toggle-9";
const THUMBS: &str = "👍";
const HEART: &str = "❤️";

fn phone_in_korean() -> BrowserOptions {
    BrowserOptions { width: 390, height: 844, language: "ko-KR".into() }
}

/// The chips under message `id`: (emoji, count, pressed, accessible name).
async fn chips(browser: &Browser, id: &str) -> Vec<(String, String, bool, String)> {
    let found = browser
        .client
        .execute(
            r#"const row = document.querySelector(`.message-rows .message[data-key="${arguments[0]}"]`);
               if (!row) return null;
               return [...row.querySelectorAll('button.reaction')].map(chip => [
                   chip.dataset.emoji, chip.querySelector('.reaction-count').textContent,
                   chip.getAttribute('aria-pressed') === 'true', chip.getAttribute('aria-label')]);"#,
            vec![id.into()],
        )
        .await
        .unwrap_or(Value::Null);
    serde_json::from_value(found).unwrap_or_default()
}

/// Waits until message `id` shows exactly these (emoji, count, pressed).
async fn shows(browser: &Browser, id: &str, wanted: &[(&str, &str, bool)]) -> anyhow::Result<Vec<String>> {
    eventually(&format!("{id} showing {wanted:?}"), || async {
        let shown = chips(browser, id).await;
        let same = shown.len() == wanted.len()
            && shown.iter().zip(wanted).all(|((e, c, p, _), (we, wc, wp))| e == we && c == wc && p == wp);
        same.then(|| shown.into_iter().map(|(_, _, _, label)| label).collect())
    })
    .await
}

async fn react_button(browser: &Browser, id: &str) -> anyhow::Result<fantoccini::elements::Element> {
    Ok(browser.client.find(Locator::Css(&format!("button.react-button[data-message-id='{id}']"))).await?)
}

async fn picker_option(browser: &Browser, emoji: &str) -> anyhow::Result<fantoccini::elements::Element> {
    let css = format!(".reaction-picker button[data-emoji='{emoji}']");
    eventually(&format!("the picker's {emoji}"), || async { browser.client.find(Locator::Css(&css)).await.ok() }).await
}

async fn chip(browser: &Browser, id: &str, emoji: &str) -> anyhow::Result<fantoccini::elements::Element> {
    let css = format!("button.reaction[data-message-id='{id}'][data-emoji='{emoji}']");
    eventually(&format!("the {emoji} chip"), || async { browser.client.find(Locator::Css(&css)).await.ok() }).await
}

/// Reacts by keyboard only: Enter on the row's button opens the picker with
/// its first option (👍) focused, Enter picks it.
async fn react_by_keyboard(browser: &Browser, id: &str, name: &str, shot: &str) -> anyhow::Result<()> {
    react_button(browser, id).await?.send_keys(ENTER).await?;
    let first = picker_option(browser, THUMBS).await?;
    let focused = browser.client.active_element().await?;
    assert_eq!(focused.attr("data-emoji").await?.as_deref(), Some(THUMBS), "the picker's first option has focus");
    assert_eq!(focused.attr("aria-label").await?.as_deref(), Some(name), "named in the reader's language");
    browser.screenshot(shot).await?;
    first.send_keys(ENTER).await?;
    Ok(())
}

#[tokio::test]
async fn a_reaction_reaches_the_other_person_live_and_after_a_reload_and_counts_change() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    let alice = signed_in(&server, "alice@example.com", "Alice", PASSWORD, BrowserOptions::default(), "Lobby").await?;
    let bob = signed_in(&server, "bob@example.com", "Bob", PASSWORD, phone_in_korean(), "로비").await?;
    bob.set_theme("dark").await?;

    let text = "we shipped the release!";
    alice.send_message(text).await?;
    let id = alice.wait_for_message(text).await?.key;
    bob.wait_for_message(text).await?;

    react_by_keyboard(&alice, &id, "thumbs up", "reactions-picker-alice").await?;
    let labels = shows(&alice, &id, &[(THUMBS, "1", true)]).await?;
    assert_eq!(labels, ["thumbs up 1: Alice"]);
    eventually("focus back on the picker's button (the row was rebuilt)", || async {
        let focused = alice.client.active_element().await.ok()?;
        let class = focused.attr("class").await.ok()??;
        (class == "react-button" && focused.attr("data-message-id").await.ok()?? == id).then_some(())
    })
    .await?;
    let labels = shows(&bob, &id, &[(THUMBS, "1", false)]).await?;
    assert_eq!(labels, ["좋아요 1명: Alice"], "named in Korean, not pressed: not Bob's");
    bob.screenshot("reactions-bob-live-ko-dark").await?;

    bob.client.refresh().await?;
    shows(&bob, &id, &[(THUMBS, "1", false)]).await?;
    bob.screenshot("reactions-bob-after-reload-ko-dark").await?;

    // Bob adds his by clicking the chip, then a heart from the picker.
    chip(&bob, &id, THUMBS).await?.click().await?;
    shows(&bob, &id, &[(THUMBS, "2", true)]).await?;
    react_button(&bob, &id).await?.click().await?;
    let heart = picker_option(&bob, HEART).await?;
    assert_eq!(heart.attr("aria-label").await?.as_deref(), Some("하트"));
    bob.screenshot("reactions-picker-bob-phone-ko-dark").await?;
    heart.click().await?;
    shows(&bob, &id, &[(THUMBS, "2", true), (HEART, "1", true)]).await?;
    let labels = shows(&alice, &id, &[(THUMBS, "2", true), (HEART, "1", false)]).await?;
    assert_eq!(labels, ["thumbs up 2: Alice, Bob", "heart 1: Bob"]);
    alice.screenshot("reactions-alice-counts").await?;

    // Alice takes hers back by keyboard on the chip; both see the count go
    // down, and her focus stays on the chip.
    chip(&alice, &id, THUMBS).await?.send_keys(ENTER).await?;
    shows(&alice, &id, &[(THUMBS, "1", false), (HEART, "1", false)]).await?;
    eventually("focus back on the chip", || async {
        let focused = alice.client.active_element().await.ok()?;
        (focused.attr("data-emoji").await.ok()?? == THUMBS).then_some(())
    })
    .await?;
    shows(&bob, &id, &[(THUMBS, "1", true), (HEART, "1", true)]).await?;
    bob.screenshot("reactions-bob-after-toggle-ko-dark").await?;

    alice.close().await?;
    bob.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_polling_app_gets_a_reaction_with_its_next_poll() -> anyhow::Result<()> {
    let server = Server::start(&["--transport", "polling"]).await?;
    let carol = signed_in(&server, "carol@example.com", "Carol", PASSWORD, BrowserOptions::default(), "Lobby").await?;
    let dong = signed_in(&server, "dong@example.com", "Dong", PASSWORD, phone_in_korean(), "로비").await?;
    assert_eq!(carol.wait_polling().await?, "Connected (polling)");
    dong.wait_polling().await?; // (a phone's header shows the state as a dot, without its text)

    let text = "lunch at noon?";
    carol.send_message(text).await?;
    let id = carol.wait_for_message(text).await?.key;
    dong.wait_for_message(text).await?;
    react_by_keyboard(&dong, &id, "좋아요", "reactions-picker-dong-polling").await?;
    shows(&dong, &id, &[(THUMBS, "1", true)]).await?;
    shows(&carol, &id, &[(THUMBS, "1", false)]).await?;
    carol.screenshot("reactions-carol-polling").await?;
    assert!(carol.connection_class().await?.contains("polling"), "still polling");

    carol.close().await?;
    dong.close().await?;
    Ok(())
}

/// The computed opacity of message `id`'s reaction button.
async fn react_button_opacity(browser: &Browser, id: &str) -> Option<String> {
    let script = "const b = document.querySelector(`button.react-button[data-message-id=\"${arguments[0]}\"]`);
                  return b ? getComputedStyle(b).opacity : null;";
    browser.client.execute(script, vec![id.into()]).await.ok()?.as_str().map(str::to_owned)
}

/// Without a touch screen, a row's tools are hidden until the row is
/// pointed at or holds the focus, so a long room is not a column of
/// buttons; by keyboard they show as soon as the focus reaches them. (The
/// headless browser has no touch screen, `pointer: none`, as a desktop.)
#[tokio::test]
async fn the_tools_show_on_the_row_pointed_at_or_focused() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    let erin = signed_in(&server, "erin@example.com", "Erin", PASSWORD, BrowserOptions::default(), "Lobby").await?;
    let (first, second) = ("first, with its tools hidden", "second, pointed at");
    erin.send_message(first).await?;
    erin.send_message(second).await?;
    let first_id = erin.wait_for_message(first).await?.key;
    let second_id = erin.wait_for_message(second).await?.key;
    // The composer has the focus and nothing is pointed at.
    for id in [&first_id, &second_id] {
        eventually("the row's tools hidden", || async { (react_button_opacity(&erin, id).await? == "0").then_some(()) })
            .await?;
    }

    // Pointed at: that row's tools show, not the other's.
    let row = erin.client.find(Locator::Css(&format!(".message-rows .message[data-key='{second_id}']"))).await?;
    let point_at_row = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement { element: row, duration: None, x: 0.0, y: 0.0 });
    erin.client.perform_actions(point_at_row).await?;
    eventually("the pointed row's tools", || async {
        (react_button_opacity(&erin, &second_id).await? == "1").then_some(())
    })
    .await?;
    assert_eq!(react_button_opacity(&erin, &first_id).await.as_deref(), Some("0"), "the other row's stay hidden");

    // By keyboard: the focus on the first row's button shows it.
    erin.client.execute("document.querySelector(`button.react-button[data-message-id=\"${arguments[0]}\"]`).focus()", vec![first_id.clone().into()]).await?;
    eventually("the focused row's tools", || async { (react_button_opacity(&erin, &first_id).await? == "1").then_some(()) })
        .await?;
    erin.screenshot("reactions-tools-on-focus-desktop").await?;

    // The picker is a menu: the arrow keys, Home and End move between its
    // emoji, wrapping around; Escape gives the focus back to the button.
    react_button(&erin, &first_id).await?.send_keys(ENTER).await?;
    picker_option(&erin, THUMBS).await?;
    let focused_emoji = || async {
        let focused = erin.client.active_element().await?;
        anyhow::Ok(focused.attr("data-emoji").await?.unwrap_or_default())
    };
    for (key, emoji) in [(ARROW_RIGHT, HEART), (END, "🙏"), (ARROW_RIGHT, THUMBS), (ARROW_LEFT, "🙏"), (HOME, THUMBS)] {
        erin.client.active_element().await?.send_keys(&key.to_string()).await?;
        assert_eq!(focused_emoji().await?, emoji, "after {key:?}");
    }
    erin.client.active_element().await?.send_keys(&ESCAPE.to_string()).await?;
    eventually("the focus back on the button", || async {
        let focused = erin.client.active_element().await.ok()?;
        focused.attr("class").await.ok()??.contains("react-button").then_some(())
    })
    .await?;
    erin.close().await
}
