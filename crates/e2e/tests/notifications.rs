//! Mentions, notifications and muting, end to end (issue 17), with the real
//! server and the real app in Chromium. Bob writes in a direct conversation
//! and is offered notifications there (never on first load); he turns them
//! on. With his tab hidden, Alice's direct message notifies him, and so does
//! her mention of him in the lobby, which she writes by picking his name
//! from the suggestions; a lobby message that is not for him does not. The
//! mention is marked in Bob's lobby. Once Bob mutes the lobby (its mark in
//! his room list), a mention there no longer notifies. A click on the direct
//! message's notification opens that conversation; away from the lobby, a
//! mention there shows as "@1" on it in Bob's room list, also after a
//! reload. Screenshots in the test artifacts (notifications-*).
//!
//! Chromium grants the permission through DevTools (`Browser.grantPermissions`,
//! what a person's "Allow" does). Two things are observed from inside the
//! page: the notifications created (the real `Notification` constructor,
//! wrapped to keep a record), and whether the tab is hidden (a headless tab
//! is always in view, so `document.hidden` is set by the test).

use fantoccini::Locator;
use moodchat_e2e::auth::create_account;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::chat::ENTER;
use moodchat_e2e::{eventually, Browser, Server};
use serde_json::{json, Value};

const PASSWORD: &str = "Notify-me-please-3";

/// Before each document: notifications created are recorded (and still
/// made), and `document.hidden` answers what the test sets.
const RECORD: &str = r#"
(() => {
  const Real = window.Notification;
  if (!Real) return;
  window.__notifications = [];
  function Recorded(title, options) {
    const made = new Real(title, options);
    window.__notifications.push({ title, body: options && options.body, tag: options && options.tag, made });
    return made;
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  Recorded.prototype = Real.prototype;
  window.Notification = Recorded;
  window.__hidden = false;
  Object.defineProperty(Document.prototype, 'hidden', { get: () => window.__hidden, configurable: true });
})();
"#;

/// (title, body, tag) of every notification so far.
async fn notifications(browser: &Browser) -> anyhow::Result<Vec<(String, String, String)>> {
    let found = browser
        .client
        .execute("return (window.__notifications || []).map(n => [n.title, n.body || '', n.tag || ''])", vec![])
        .await?;
    Ok(serde_json::from_value(found)?)
}

async fn notified(browser: &Browser, count: usize) -> anyhow::Result<Vec<(String, String, String)>> {
    eventually(&format!("{count} notifications"), || async {
        notifications(browser).await.ok().filter(|shown| shown.len() == count)
    })
    .await
}

/// Hides or shows the tab, as switching tabs does: `document.hidden`, and a
/// `visibilitychange` event.
async fn set_hidden(browser: &Browser, hidden: bool) -> anyhow::Result<()> {
    let script = "window.__hidden = arguments[0]; document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));";
    browser.client.execute(script, vec![Value::Bool(hidden)]).await?;
    Ok(())
}

/// The lobby's unread count for the user whose ID token is `token`, as the server has it.
async fn lobby_unread(server: &Server, token: &str) -> Option<u64> {
    let rooms: Value = reqwest::Client::new().get(server.url("/api/rooms")).bearer_auth(token).send().await.ok()?.json().await.ok()?;
    rooms["rooms"].as_array()?.iter().find(|r| r["id"] == "lobby")?["unread"].as_u64()
}

async fn click(browser: &Browser, css: &str) -> anyhow::Result<()> {
    let found = eventually(css, || async { browser.client.find(Locator::Css(css)).await.ok() }).await?;
    found.click().await?;
    Ok(())
}

/// Whether the row showing `text` is marked as mentioning the reader.
async fn marked(browser: &Browser, text: &str) -> Option<bool> {
    let script = "const row = [...document.querySelectorAll('.message-rows .message')]
        .find(r => r.querySelector('.message-text')?.textContent === arguments[0]);
        return row ? row.classList.contains('mentions-me') : null;";
    browser.client.execute(script, vec![text.into()]).await.ok()?.as_bool()
}

#[tokio::test]
async fn direct_messages_and_mentions_notify_a_hidden_tab_and_a_muted_room_never_does() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    create_account(&server, "alice@example.com", "Alice", PASSWORD).await?;
    create_account(&server, "bob@example.com", "Bob", PASSWORD).await?;
    let alice = Browser::start().await?;
    alice.sign_in(&server, "alice@example.com", PASSWORD, "Alice").await?;
    alice.open_room(&server, "lobby", "Lobby").await?;

    let bob = Browser::start_with(BrowserOptions::default()).await?;
    let devtools = bob.devtools().await?;
    devtools.run_before_each_document(RECORD).await?;
    bob.sign_in(&server, "bob@example.com", PASSWORD, "Bob").await?;
    bob.open_room(&server, "lobby", "Lobby").await?;
    assert!(bob.client.find(Locator::Css(".notification-offer")).await.is_err(), "no offer on first load");

    // Bob writes to Alice directly: there he is offered notifications.
    bob.open_direct("Alice", "Alice").await?;
    bob.send_message("hi Alice, ping me here").await?;
    let offer = eventually("the offer", || async { bob.client.find(Locator::Css(".notification-offer")).await.ok() }).await?;
    bob.screenshot("notifications-offer-desktop-en").await?;
    let origin = server.url("");
    devtools
        .command("Browser.grantPermissions", json!({ "origin": origin.trim_end_matches('/'), "permissions": ["notifications"] }))
        .await?;
    offer.find(Locator::Css(".button.primary")).await?.click().await?;
    eventually("the offer gone", || async { bob.client.find(Locator::Css(".notification-offer")).await.is_err().then_some(()) })
        .await?;
    let permission = bob.client.execute("return Notification.permission", vec![]).await?;
    assert_eq!(permission, json!("granted"));

    // Bob goes to the lobby and away from the tab.
    bob.switch_to_room("Lobby").await?;
    set_hidden(&bob, true).await?;

    // A direct message notifies him, titled with who wrote.
    alice.open_direct("Bob", "Bob").await?;
    alice.send_message("are you there, Bob?").await?;
    let shown = notified(&bob, 1).await?;
    assert_eq!((shown[0].0.as_str(), shown[0].1.as_str()), ("Alice", "are you there, Bob?"));

    // In the lobby Alice picks Bob from the suggestions: a mention.
    alice.switch_to_room("Lobby").await?;
    let composer = alice.composer().await?;
    composer.send_keys("@b").await?;
    let option = eventually("Bob suggested", || async {
        alice.client.find(Locator::Css("#mention-list:not([hidden]) .mention-option[aria-selected='true']")).await.ok()
    })
    .await?;
    assert_eq!(option.text().await?, "Bob");
    alice.screenshot("notifications-mention-suggested-desktop-en").await?;
    composer.send_keys(ENTER).await?;
    let written = alice.client.execute("return document.querySelector('#composer-text').value", vec![]).await?;
    assert_eq!(written, json!("@Bob "), "Enter picked the name and did not send");
    composer.send_keys("the slides are up").await?;
    composer.send_keys(ENTER).await?;
    let mention = "@Bob the slides are up";
    alice.wait_for_message(mention).await?;
    let shown = notified(&bob, 2).await?;
    assert_eq!((shown[1].0.as_str(), shown[1].1.as_str()), ("Alice · Lobby", mention));
    eventually("the mention marked for Bob", || async { marked(&bob, mention).await.filter(|m| *m) }).await?;
    assert_eq!(marked(&alice, mention).await, Some(false), "not for Alice");
    bob.screenshot("notifications-mention-marked-desktop-en").await?;

    // A lobby message that is not for Bob: no notification.
    alice.send_message("lunch anyone?").await?;
    bob.wait_for_message("lunch anyone?").await?;
    assert_eq!(notifications(&bob).await?.len(), 2);

    // Bob mutes the lobby: marked in his list, and a mention there no longer notifies.
    set_hidden(&bob, false).await?;
    click(&bob, "button.people-open").await?;
    click(&bob, ".mute-toggle input").await?;
    eventually("the lobby marked muted", || async { bob.client.find(Locator::Css(".room-link .muted-mark")).await.ok() }).await?;
    click(&bob, ".people-panel .search-close").await?;
    bob.screenshot("notifications-muted-desktop-en").await?;
    set_hidden(&bob, true).await?;
    alice.send_message("@Bob one more thing").await?;
    bob.wait_for_message("@Bob one more thing").await?;
    assert_eq!(notifications(&bob).await?.len(), 2, "a muted room never notifies");
    // Hidden, Bob has not read it; back in the tab, at the bottom of the
    // lobby, he has.
    let token = bob.local_storage("moodchat.session.id_token").await?.unwrap_or_default();
    assert_eq!(lobby_unread(&server, &token).await, Some(1), "unread while hidden");
    set_hidden(&bob, false).await?;
    eventually("read once back in view", || async { (lobby_unread(&server, &token).await? == 0).then_some(()) }).await?;
    set_hidden(&bob, true).await?;
    let rooms: Value = reqwest::Client::new()
        .get(server.url("/api/rooms"))
        .bearer_auth(bob.local_storage("moodchat.session.id_token").await?.unwrap_or_default())
        .send()
        .await?
        .json()
        .await?;
    let lobby = rooms["rooms"].as_array().unwrap().iter().find(|r| r["id"] == "lobby").unwrap().clone();
    assert_eq!(lobby["muted"], json!(true), "kept by the server: {lobby}");

    // A click on the direct message's notification opens that conversation
    // (and brings the tab forward).
    set_hidden(&bob, false).await?;
    bob.client.execute("window.__notifications[0].made.dispatchEvent(new Event('click'))", vec![]).await?;
    bob.wait_for_text(".page-room h1", "Alice").await?;
    bob.wait_for_message("are you there, Bob?").await?;

    // Bob reads the lobby (what came while his tab was hidden), then goes
    // back to Alice. A mention in the lobby now shows as "@1" on it in his
    // list (muted or not), live and after a reload (the server counts it).
    bob.switch_to_room("Lobby").await?;
    bob.wait_for_message("@Bob one more thing").await?;
    eventually("the lobby read on the server", || async { (lobby_unread(&server, &token).await? == 0).then_some(()) }).await?;
    bob.switch_to_room("Alice").await?;
    alice.send_message("@Bob after lunch then").await?;
    let badge = || async {
        let script = "return [...document.querySelectorAll('.room-link')]
            .find(l => l.querySelector('.room-name')?.textContent === 'Lobby')
            ?.querySelector('.mention-badge')?.firstChild?.textContent ?? null";
        bob.client.execute(script, vec![]).await.ok()?.as_str().map(str::to_owned)
    };
    assert_eq!(eventually("the lobby's mention badge", badge).await?, "@1");
    bob.screenshot("notifications-mention-badge-desktop-en").await?;
    bob.client.refresh().await?;
    assert_eq!(eventually("the badge after a reload", badge).await?, "@1");

    alice.close().await?;
    bob.close().await
}
