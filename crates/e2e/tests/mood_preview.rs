//! The composer's live mood preview: the on-device sentiment model runs in a
//! web worker that the page loads only once someone types, and the preview
//! beside the composer follows the text as it changes.

use fantoccini::Locator;
use moodchat_e2e::auth::create_account;
use moodchat_e2e::{Browser, Server};

const PASSWORD: &str = "Corr3ct-horse!";

/// Whether the page has fetched any of the mood worker's files yet.
async fn mood_worker_fetched(browser: &Browser) -> anyhow::Result<bool> {
    let fetched = browser
        .client
        .execute(
            "return performance.getEntriesByType('resource').some(e => e.name.includes('moodchat-mood-worker'))",
            vec![],
        )
        .await?;
    Ok(fetched.as_bool() == Some(true))
}

#[tokio::test]
async fn the_preview_follows_the_mood_of_the_text_being_typed() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    create_account(&server, "mia@example.com", "Mia", PASSWORD).await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, "mia@example.com", PASSWORD, "Mia").await?;
    browser.open_room(&server, "lobby", "Lobby").await?;

    // Nothing typed: no preview, and the model is not downloaded.
    assert!(browser.client.find(Locator::Css(".composer .mood-preview")).await.is_err(), "a preview without text");
    assert!(!mood_worker_fetched(&browser).await?, "the mood worker loaded before anyone typed");

    browser.fill("#composer-text", "I love this, what a wonderful day").await?;
    browser.wait_for_mood_preview("😊").await?;
    browser.fill("#composer-text", "this is terrible, I hate it").await?;
    browser.wait_for_mood_preview("😞").await?;
    // The check before typing means something: the worker's files do show
    // in the page's resource timing once it is loaded.
    assert!(mood_worker_fetched(&browser).await?, "the mood worker is not in the resource timing");

    browser.close().await
}
