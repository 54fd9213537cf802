//! Accessibility of the real app in headless Chromium:
//!
//! - keyboard only: sign in, land in the lobby with the focus in the
//!   composer and send a message with nothing but Tab, typing and Enter;
//!   after a route change to a page without a composer the focus is on the
//!   page's main content, not left on the link used;
//! - a message from someone else is announced politely (the room's
//!   `aria-live` announcer says who wrote what);
//! - every visible text meets WCAG AA contrast (4.5:1, 3:1 when large) in
//!   the light and the dark theme, on the sign-in page with an error, in a
//!   room with messages of each mood, a link, an unread badge and the
//!   presence line, on a phone's room list, and offline with a pending
//!   message and the "reconnecting" status.

use moodchat_e2e::a11y::{keys, LowContrast};
use moodchat_e2e::auth::{create_account, signed_in};
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::{eventually, Browser, Server};

const PASSWORD: &str = "Corr3ct-horse!";

/// Signs in a new account and opens the lobby (titled `lobby` in the
/// browser's language).
/// Waits until the focus is on the page's main content (`#main`), where the
/// app puts it after a route change.
async fn focus_on_main(browser: &Browser, after: &str) -> anyhow::Result<()> {
    eventually(&format!("the focus on the main content after {after}"), || async {
        (browser.focused().await.ok()? == "main").then_some(())
    })
    .await
}

#[tokio::test]
async fn keyboard_only_from_sign_in_to_a_sent_message_with_focus_managed_and_news_announced() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    create_account(&server, "kim@example.com", "Kim", PASSWORD).await?;
    let kim = Browser::start().await?;
    kim.client.goto(&server.url("/signin")).await?;
    kim.wait_for_text(".page-sign-in h1", "").await?;

    // Sign in: Tab to the e-mail field (past the skip link and the header),
    // type, Tab to the password, type, Enter.
    kim.tab_to("#email", 20).await?;
    kim.type_text("kim@example.com").await?;
    kim.tab_to("#password", 3).await?;
    kim.type_text(PASSWORD).await?;
    kim.press(keys::ENTER).await?;
    // Signing in lands in the lobby, ready to type: the focus is in its
    // composer, inside the main content.
    kim.wait_for_path("/rooms/lobby").await?;
    kim.wait_for_text(".page-room h1", "Lobby").await?;
    kim.composer().await?;
    kim.wait_connected().await?;
    eventually("the focus in the composer after signing in", || async {
        (kim.focused().await.ok()? == "composer-text").then_some(())
    })
    .await?;

    // Write: type, Enter sends and the composer keeps the focus, empty, for
    // the next message.
    let hello = "Hello from the keyboard";
    kim.type_text(hello).await?;
    kim.press(keys::ENTER).await?;
    kim.wait_for_message(hello).await?;
    assert_eq!(kim.focused().await?, "composer-text");
    let left = kim.client.execute("return document.getElementById('composer-text').value", vec![]).await?;
    assert_eq!(left.as_str(), Some(""), "the composer is emptied after sending");

    // Someone else's message is announced politely, with who wrote it.
    let lee = signed_in(&server, "lee@example.com", "Lee", PASSWORD, BrowserOptions::default(), "Lobby").await?;
    let reply = "Hi Kim, nice to see you";
    lee.send_message(reply).await?;
    kim.wait_for_message(reply).await?;
    // (Visually hidden, so read as textContent.)
    let announced = eventually("the reply announced", || async {
        let script = "return document.querySelector(\".announcer[aria-live='polite']\")?.textContent ?? ''";
        let text = kim.client.execute(script, vec![]).await.ok()?;
        text.as_str().filter(|text| text.contains(reply)).map(str::to_owned)
    })
    .await?;
    assert!(announced.contains("Lee"), "the announcement names the sender: {announced:?}");

    // A route change without a composer (the header's link to the room
    // list): the focus is on the page's main content, not on the link.
    // (Focused by script: Tab would first walk the whole room.)
    kim.client.execute("document.querySelector('.app-header a.brand').focus()", vec![]).await?;
    kim.press(keys::ENTER).await?;
    kim.wait_for_path("/rooms").await?;
    focus_on_main(&kim, "opening the room list").await?;

    lee.close().await?;
    kim.close().await
}

/// Audits the page in the light and the dark theme and adds what fails to
/// `failures`, labelled with `screen`; returns how many texts were checked.
async fn audit_both_themes(browser: &Browser, screen: &str, failures: &mut Vec<String>) -> anyhow::Result<u32> {
    let mut checked = 0;
    for theme in ["light", "dark"] {
        browser.set_theme(theme).await?;
        let audit = browser.contrast_audit().await?;
        checked += audit.checked;
        failures.extend(audit.failures.iter().map(|LowContrast { element, text, ratio, required, foreground, background }| {
            format!("{screen} ({theme}): {element} {text:?}: {ratio}:1 < {required}:1 ({foreground} on {background})")
        }));
        browser.screenshot(&format!("contrast-{screen}-{theme}")).await?;
    }
    Ok(checked)
}

#[tokio::test]
async fn text_contrast_meets_wcag_aa_in_both_themes_on_every_screen() -> anyhow::Result<()> {
    let mut server = Server::start(&[]).await?;
    let mut failures = Vec::new();

    // The sign-in page with an error under the form.
    create_account(&server, "ana@example.com", "Ana", PASSWORD).await?;
    let ana = Browser::start().await?;
    ana.client.goto(&server.url("/signin")).await?;
    ana.fill("#email", "ana@example.com").await?;
    ana.fill("#password", "not-her-password-1A!").await?;
    ana.client.find(fantoccini::Locator::Css(".auth-form button[type=submit]")).await?.click().await?;
    eventually("the sign-in error", || async {
        let text = ana.client.execute("return document.querySelector('.form-error')?.textContent ?? ''", vec![]).await.ok()?;
        (!text.as_str()?.is_empty()).then_some(())
    })
    .await?;
    let sign_in_checked = audit_both_themes(&ana, "sign-in-error", &mut failures).await?;
    assert!(sign_in_checked >= 10, "the sign-in page has texts to check: {sign_in_checked}");

    // A room with a message of each mood, a link, presence and, in the
    // room list, a direct conversation with an unread message.
    ana.sign_in(&server, "ana@example.com", PASSWORD, "Ana").await?;
    ana.open_room(&server, "lobby", "Lobby").await?;
    let phone = BrowserOptions { width: 360, height: 740, language: "ko-KR".into() };
    let ben = signed_in(&server, "ben@example.com", "Ben", PASSWORD, phone, "로비").await?;
    let said = ["What a wonderful, happy day!", "This is awful, I hate it", "The meeting is at 3 pm, see https://example.com/agenda"];
    for (i, text) in said.iter().enumerate() {
        // (Ben is on a phone: Enter starts a new line there, the button sends.)
        if i % 2 == 0 { ana.send_message(text).await? } else { ben.send_with_button(text).await? }
        ana.wait_for_message(text).await?;
    }
    // (On a phone the room list is a view of its own.)
    ben.client.goto(&server.url("/rooms")).await?;
    ben.open_direct("An", "Ana").await?;
    let private = "Coffee later?";
    ben.send_with_button(private).await?;
    ben.wait_for_message(private).await?;
    ana.wait_for_text(".room-list .unread-badge", "1").await?;
    ana.wait_for_text(".presence", "Ben").await?;
    let room_checked = audit_both_themes(&ana, "room-desktop", &mut failures).await?;
    assert!(room_checked >= 40, "the room view has texts to check: {room_checked}");

    // The room list on a phone, in Korean.
    ben.client.goto(&server.url("/rooms")).await?;
    ben.wait_for_text(".room-list", "로비").await?;
    audit_both_themes(&ben, "room-list-phone", &mut failures).await?;

    // Offline: the status says so and a message waits as pending.
    server.kill().await?;
    ana.wait_disconnected().await?;
    let waiting = "sent while offline";
    ana.send_message(waiting).await?;
    eventually("the pending message", || async {
        ana.messages().await.ok()?.into_iter().find(|m| m.text == waiting && m.pending)
    })
    .await?;
    audit_both_themes(&ana, "room-offline", &mut failures).await?;

    assert!(failures.is_empty(), "text below WCAG AA contrast:\n{}", failures.join("\n"));
    ben.close().await?;
    ana.close().await
}
