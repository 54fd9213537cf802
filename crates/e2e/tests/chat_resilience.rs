//! The chat when the link to the server is not what it should be:
//!
//! - a server (or a proxy in front of it) that refuses WebSockets: with the
//!   `auto` transport the app falls back to polling, says so in the header
//!   (in English and in Korean), and two people still talk;
//! - the server down while someone writes: the messages wait as pending,
//!   survive a reload of the page while the server is still down (the app
//!   itself still loads, as from a CDN), and are delivered exactly once, in
//!   order, when it is back; a long outbox (30 messages) is paced under the
//!   server's rate limit instead of failing past the 20th.

use moodchat_e2e::auth;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::chat::{confirmed, ShownMessage, ENTER};
use moodchat_e2e::static_host::StaticHost;
use moodchat_e2e::{eventually, Browser, Server};

const PASSWORD: &str = "Corr3ct-horse!";

/// A browser tall enough that a room of about forty messages has every row
/// in the DOM (the list is windowed), so the tests can check them all.
fn tall(language: &str) -> BrowserOptions {
    BrowserOptions { width: 1280, height: 2000, language: language.into() }
}

async fn signed_in(server: &Server, email: &str, name: &str, language: &str, lobby: &str) -> anyhow::Result<Browser> {
    auth::signed_in(server, email, name, PASSWORD, tall(language), lobby).await
}

/// Waits until each browser shows exactly `expected` confirmed, in this
/// order, and nothing pending or failed.
async fn all_show(browsers: &[&Browser], expected: &[String]) -> anyhow::Result<()> {
    for browser in browsers {
        eventually(&format!("exactly the {} messages, in order", expected.len()), || async {
            let shown = browser.messages().await.ok()?;
            (shown.len() == expected.len() && confirmed(&shown) == expected).then_some(())
        })
        .await?;
    }
    Ok(())
}

/// Waits until `browser` shows `texts` as its last messages, all pending.
async fn pending_at_the_end(browser: &Browser, texts: &[String]) -> anyhow::Result<()> {
    eventually(&format!("{} messages pending, in order", texts.len()), || async {
        let shown = browser.messages().await.ok()?;
        let tail = shown.get(shown.len().checked_sub(texts.len())?..)?;
        let pending: Vec<&str> = tail.iter().filter(|m| m.pending).map(|m| m.text.as_str()).collect();
        (pending == texts.iter().map(String::as_str).collect::<Vec<_>>()).then_some(())
    })
    .await
}

#[tokio::test]
async fn auto_falls_back_to_polling_when_websockets_are_refused() -> anyhow::Result<()> {
    // `auto` is the default transport; the server has no WebSocket endpoint.
    let server = Server::start(&["--disable-websocket"]).await?;
    let ws = reqwest::get(server.url("/api/ws")).await?;
    assert_eq!(ws.status(), 404, "the WebSocket endpoint is really gone");

    let alice = signed_in(&server, "wanda@example.com", "Wanda", "en-US", "Lobby").await?;
    let bob = signed_in(&server, "minjun@example.com", "Minjun", "ko-KR", "로비").await?;
    // Both say how they are connected, each in their language.
    assert_eq!(alice.wait_polling().await?, "Connected (polling)");
    assert_eq!(bob.wait_polling().await?, "연결됨 (폴링)");

    let question = "Is anyone else stuck behind this proxy?";
    alice.send_message(question).await?;
    bob.wait_for_message(question).await?;
    let answer = "네, 그래도 메시지는 잘 와요";
    bob.send_message(answer).await?;
    alice.wait_for_message(answer).await?;
    all_show(&[&alice, &bob], &[question.to_owned(), answer.to_owned()]).await?;
    // Still polling: the fallback does not flap back to a WebSocket that cannot open.
    assert!(alice.connection_class().await?.contains("polling"));

    alice.screenshot("chat-polling-fallback").await?;
    alice.close().await?;
    bob.close().await
}

#[tokio::test]
async fn messages_written_offline_survive_a_reload_and_a_long_outbox_is_paced() -> anyhow::Result<()> {
    // WebSocket only, so the long outbox meets the per-connection frame limit.
    let mut server = Server::start(&["--transport", "websocket"]).await?;
    let config_json = reqwest::get(server.url("/config.json")).await?.text().await?;
    let alice = signed_in(&server, "olga@example.com", "Olga", "en-US", "Lobby").await?;
    let bob = signed_in(&server, "piet@example.com", "Piet", "en-US", "Lobby").await?;
    let mut expected = vec!["anyone here before the outage?".to_owned()];
    alice.send_message(&expected[0]).await?;
    all_show(&[&alice, &bob], &expected).await?;

    // The server goes down; Olga writes three messages, shown as pending.
    server.kill().await?;
    alice.wait_disconnected().await?;
    bob.wait_disconnected().await?;
    let offline: Vec<String> = (1..=3).map(|i| format!("offline note {i} of 3")).collect();
    for text in &offline {
        alice.send_message(text).await?;
    }
    pending_at_the_end(&alice, &offline).await?;

    // She reloads while it is still down: only the app's files load (as
    // from a CDN), every API request fails. The notes are still there,
    // pending, in order.
    let host = StaticHost::start(&server, config_json).await?;
    alice.client.refresh().await?;
    alice.wait_for_text(".page-room h1", "Lobby").await?;
    pending_at_the_end(&alice, &offline).await?;
    assert!(!alice.connection_class().await?.contains(" ok"), "connected to a server that is down");

    // Back: delivered once each, in order, and Piet sees them.
    host.stop().await;
    server.restart().await?;
    alice.wait_connected().await?;
    expected.extend(offline);
    all_show(&[&alice, &bob], &expected).await?;

    // Down again; this time 30 messages, typed in one go.
    server.kill().await?;
    alice.wait_disconnected().await?;
    let many: Vec<String> = (1..=30).map(|i| format!("backlog message {i:02}")).collect();
    let keys: String = many.iter().map(|text| format!("{text}{ENTER}")).collect();
    alice.composer().await?.send_keys(&keys).await?;
    pending_at_the_end(&alice, &many).await?;

    // The server allows 20 frames at once per connection; all 30 arrive,
    // none failed, none twice, in the order written.
    server.restart().await?;
    alice.wait_connected().await?;
    expected.extend(many);
    all_show(&[&alice, &bob], &expected).await?;
    let failed: Vec<ShownMessage> = alice.messages().await?.into_iter().filter(|m| m.failed).collect();
    assert!(failed.is_empty(), "failed sends: {failed:?}");

    alice.close().await?;
    bob.close().await
}
