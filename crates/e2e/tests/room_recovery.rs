//! When the room or the server is not there (issue 14, defects 5 and 6):
//!
//! - a mistyped room address says "Room not found" with a way back to the
//!   lobby, never an endless "Loading…", and has no composer to send with;
//! - while the server is down a banner says so in words (on a phone, in
//!   Korean, where the header has only a dot), and the app is connected
//!   again within 3 s of the server being back on the same port, measured
//!   from this process, after an outage of 10 s.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use moodchat_e2e::auth::create_account;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::{eventually, eventually_within, holds_for, Browser, Server};

const PASSWORD: &str = "Corr3ct-horse!";
/// The target: connected again this soon after the server is back.
const RECONNECT_WITHIN: Duration = Duration::from_secs(3);
const OUTAGE: Duration = Duration::from_secs(10);

#[tokio::test]
async fn an_unknown_room_says_so_with_a_way_back_and_cannot_be_written_to() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    create_account(&server, "noor@example.com", "Noor", PASSWORD).await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, "noor@example.com", PASSWORD, "Noor").await?;
    browser.client.goto(&server.url("/rooms/no-such-room-here")).await?;

    browser.wait_for_text(".page-room h1", "Room not found").await?;
    browser.wait_for_text(".room-missing", "There is no room at this address").await?;
    assert_eq!(browser.client.find(Locator::Css(".room-status")).await?.text().await?, "", "still says it is loading");
    // No composer to write with (its chunk may have arrived, hidden).
    let composer_shown = match browser.client.find(Locator::Css("#composer-text")).await {
        Ok(composer) => composer.is_displayed().await?,
        Err(_) => false,
    };
    assert!(!composer_shown, "a composer in a room that does not exist");
    browser.screenshot("room-not-found").await?;

    // The way back: the lobby, where writing works.
    browser.client.find(Locator::Css(".room-missing a")).await?.click().await?;
    browser.wait_for_text(".page-room h1", "Lobby").await?;
    browser.wait_connected().await?;
    browser.send_message("found my way back").await?;
    browser.wait_for_message("found my way back").await?;
    browser.close().await
}

#[tokio::test]
async fn a_phone_shows_the_outage_and_reconnects_within_three_seconds_of_the_server_being_back() -> anyhow::Result<()> {
    let mut server = Server::start(&["--transport", "websocket"]).await?;
    create_account(&server, "yuna@example.com", "Yuna", PASSWORD).await?;
    let phone = BrowserOptions { width: 390, height: 844, language: "ko-KR".into() };
    let browser = Browser::start_with(phone).await?;
    browser.sign_in(&server, "yuna@example.com", PASSWORD, "Yuna").await?;
    browser.open_room(&server, "lobby", "로비").await?;
    assert!(
        browser.client.find(Locator::Css(".connection-banner")).await?.text().await?.is_empty(),
        "a banner while connected"
    );

    // Down: the banner says so, in words, for the whole outage.
    server.kill().await?;
    let banner = "연결이 끊겼습니다";
    browser.wait_for_text(".connection-banner", banner).await?;
    browser.screenshot("phone-connection-lost-ko").await?;
    holds_for(OUTAGE, "the banner while the server is down", || async {
        let shown = async { browser.client.find(Locator::Css(".connection-banner")).await.ok()?.text().await.ok() };
        shown.await.is_some_and(|text| text.contains(banner))
    })
    .await?;

    // Back on the same port: connected again within the target.
    server.restart().await?;
    let back = Instant::now();
    eventually_within(RECONNECT_WITHIN, "the app to be connected again", || async {
        browser.client.find(Locator::Css(".connection.ok")).await.ok()
    })
    .await?;
    let took = back.elapsed();
    println!("reconnected {} ms after the server was back (outage {} s)", took.as_millis(), OUTAGE.as_secs());
    eventually("the banner to go", || async {
        browser.client.find(Locator::Css(".connection-banner")).await.ok()?.text().await.ok()?.is_empty().then_some(())
    })
    .await?;
    browser.send_with_button("다시 연결됐어요").await?;
    browser.wait_for_message("다시 연결됐어요").await?;
    browser.close().await
}
