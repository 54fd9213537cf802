//! Rooms, direct conversations, typing, presence and the heartbeat, with two
//! people in two browsers (one in English, one in Korean) on a server that
//! closes WebSockets after 2 idle seconds instead of 10 minutes:
//!
//! - presence shows who is online, and who left;
//! - while Alice types, Minji sees "Alice 입력 중…", gone when Alice sends, and
//!   gone a few seconds after she stops;
//! - an idle but open tab keeps its WebSocket: the app's pings keep it open
//!   through three idle timeouts without a single reconnect, while a socket
//!   that never pings is closed by the server within that time;
//! - Alice creates a room from the room list and shares its link; Minji
//!   joins by opening it; a new message shows in Minji's list with its text
//!   and an unread badge that clears when she reads it;
//! - Minji finds Alice by name and writes to her directly; both lists show
//!   the conversation with its last message at once, Alice's (never
//!   reloaded) with an unread badge until she opens it.

use std::time::Duration;

use fantoccini::Locator;
use moodchat_e2e::auth;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::{eventually, holds_for, Browser, Server};
use serde_json::json;

const PASSWORD: &str = "Corr3ct-horse!";
/// The server's idle timeout in this test, in seconds.
const IDLE_TIMEOUT_SECS: u64 = 2;

async fn signed_in(server: &Server, email: &str, name: &str, language: &str, lobby: &str) -> anyhow::Result<Browser> {
    let options = BrowserOptions { language: language.into(), ..BrowserOptions::default() };
    auth::signed_in(server, email, name, PASSWORD, options, lobby).await
}

/// The text of the typing indicator (empty when nobody types).
async fn typing_line(browser: &Browser) -> Option<String> {
    let element = browser.client.find(Locator::Css(".room-activity .typing")).await.ok()?;
    element.prop("textContent").await.ok()?
}

/// Waits until the entry for `name` shows `last` as its last message and
/// `unread` unread messages (0: no badge).
async fn entry_shows(browser: &Browser, name: &str, last: &str, unread: u32) -> anyhow::Result<()> {
    eventually(&format!("{name} with {last:?} and {unread} unread"), || async {
        let entry = browser.room_entry(name).await.ok()?;
        let shown_last = entry.find(Locator::Css(".room-last")).await.ok()?.text().await.ok()?;
        let badge = match entry.find(Locator::Css(".unread-badge")).await {
            Ok(badge) => badge.prop("textContent").await.ok()??,
            Err(_) => String::new(),
        };
        let badge_ok = if unread == 0 { badge.is_empty() } else { badge.starts_with(&unread.to_string()) };
        (shown_last == last && badge_ok).then_some(())
    })
    .await
}

#[tokio::test]
async fn rooms_direct_conversations_typing_presence_and_the_heartbeat() -> anyhow::Result<()> {
    let server = Server::start(&["--ws-idle-timeout", &IDLE_TIMEOUT_SECS.to_string()]).await?;
    let alice = signed_in(&server, "alice.r@example.com", "Alice", "en-US", "Lobby").await?;
    let minji = signed_in(&server, "minji@example.com", "Minji", "ko-KR", "로비").await?;

    // Presence: each sees the other online in the lobby.
    alice.wait_for_text(".presence", "Minji").await?;
    minji.wait_for_text(".presence", "Alice").await?;
    minji.wait_for_text(".presence", "2명 접속 중").await?;

    // Typing: Minji sees it, in Korean, while Alice types (the app tells
    // the room at most every 2 s, so keep typing until it shows)...
    let composer = alice.composer().await?;
    eventually("Minji to see Alice typing", || async {
        composer.send_keys("a").await.ok()?;
        (typing_line(&minji).await? == "Alice 입력 중…").then_some(())
    })
    .await?;
    // ...and it is gone as soon as Alice's message arrives.
    composer.send_keys(&format!(" quick question{}", moodchat_e2e::chat::ENTER)).await?;
    eventually("the typing line to clear when the message arrives", || async {
        let shown = minji.messages().await.ok()?.iter().any(|m| m.text.ends_with("quick question") && !m.pending);
        (shown && typing_line(&minji).await?.is_empty()).then_some(())
    })
    .await?;
    // Typing without sending: shown, then gone a few seconds after she stops.
    eventually("Minji to see Alice typing again", || async {
        composer.send_keys("b").await.ok()?;
        (typing_line(&minji).await? == "Alice 입력 중…").then_some(())
    })
    .await?;
    composer.clear().await?;
    eventually("the typing line to clear after Alice stopped", || async { typing_line(&minji).await?.is_empty().then_some(()) })
        .await?;

    // Heartbeat: both tabs sit idle for three idle timeouts. Their WebSockets
    // stay open (no reconnect, not even a blink of the status), while a
    // socket opened beside them that never pings is closed by the server.
    for browser in [&alice, &minji] {
        browser.record_connection_changes().await?;
    }
    minji
        .client
        .execute(
            r#"window.__silent = { code: null };
            const token = localStorage.getItem('moodchat.session.id_token');
            const url = location.origin.replace(/^http/, 'ws') + '/api/ws?token=' + encodeURIComponent(token);
            new WebSocket(url).onclose = event => { window.__silent.code = event.code; };"#,
            vec![],
        )
        .await?;
    let period = Duration::from_secs(3 * IDLE_TIMEOUT_SECS);
    holds_for(period, "both tabs connected without a reconnect", || async {
        for browser in [&alice, &minji] {
            let steady = browser.connection_class().await.is_ok_and(|class| class == "connection ok")
                && browser.connection_changes().await.is_ok_and(|changes| changes.is_empty());
            if !steady {
                return false;
            }
        }
        true
    })
    .await?;
    let silent = minji.client.execute("return window.__silent.code", vec![]).await?;
    assert_eq!(silent, json!(1000), "the silent socket was closed as idle (1000) within three idle timeouts");

    // A new room, created from the room list; Alice shares its link.
    alice.create_room("Book club").await?;
    alice.wait_connected().await?;
    let first = "Chapter one is wonderful";
    alice.send_message(first).await?;
    alice.wait_for_message(first).await?;
    let link = alice.client.current_url().await?;
    assert!(link.path().starts_with("/rooms/"), "{link}");

    // Minji opens the link: she joins and sees the history.
    minji.client.goto(link.as_str()).await?;
    minji.wait_for_text(".page-room h1", "Book club").await?;
    minji.wait_for_message(first).await?;
    minji.wait_connected().await?;

    // Back in the lobby, a new message in the club shows in her list,
    // with its text and an unread badge...
    minji.room_entry("로비").await?.click().await?;
    minji.wait_for_text(".page-room h1", "로비").await?;
    let second = "Who has finished chapter two?";
    alice.send_message(second).await?;
    entry_shows(&minji, "Book club", &format!("Alice: {second}"), 1).await?;
    minji.screenshot("chat-rooms-unread-ko").await?;
    // ...which clears once she has read it.
    minji.room_entry("Book club").await?.click().await?;
    minji.wait_for_message(second).await?;
    entry_shows(&minji, "Book club", &format!("Alice: {second}"), 0).await?;

    // A direct conversation: Minji finds Alice by name and writes to her.
    minji.open_direct("Ali", "Alice").await?;
    let secret = "책 모임 끝나고 커피 어때요?";
    minji.send_message(secret).await?;
    minji.wait_for_message(secret).await?;
    // Both lists show the conversation with its last message; only Alice,
    // who has not read it, has an unread badge.
    entry_shows(&minji, "Alice", &format!("Minji: {secret}"), 0).await?;
    // Alice's open tab learns of the conversation live (the server
    // subscribes her tabs to it when Minji starts it), no reload needed.
    entry_shows(&alice, "Minji", &format!("Minji: {secret}"), 1).await?;
    alice.room_entry("Minji").await?.click().await?;
    alice.wait_for_message(secret).await?;
    entry_shows(&alice, "Minji", &format!("Minji: {secret}"), 0).await?;

    // Presence in the conversation: Minji sees Alice there, until Alice
    // closes her browser.
    minji.wait_for_text(".presence", "Alice").await?;
    alice.close().await?;
    eventually("Alice to leave the presence line", || async {
        let line = minji.client.find(Locator::Css(".presence")).await.ok()?.prop("textContent").await.ok()??;
        (!line.contains("Alice")).then_some(())
    })
    .await?;

    minji.close().await
}
