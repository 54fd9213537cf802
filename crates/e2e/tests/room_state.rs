//! What belongs to a room stays in it (issue 14, defects 1 to 3), on a
//! desktop where the room list stays beside the room and switching rooms is
//! one click:
//!
//! - a new, empty room shows none of the previous room's messages;
//! - a draft typed in one room is not in the next room's composer, and Enter
//!   there posts nothing (it once posted the other room's draft);
//! - the live mood preview still works after switching;
//! - the draft is back when its room is opened again, and its room still
//!   shows only its own messages.

use moodchat_e2e::auth::create_account;
use moodchat_e2e::chat::{confirmed, ENTER};
use moodchat_e2e::{eventually, Browser, Server};

const PASSWORD: &str = "Corr3ct-horse!";

#[tokio::test]
async fn drafts_and_messages_stay_in_their_room_when_switching_rooms() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    create_account(&server, "sora@example.com", "Sora", PASSWORD).await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, "sora@example.com", PASSWORD, "Sora").await?;
    browser.open_room(&server, "lobby", "Lobby").await?;
    let hello = "hello from the lobby";
    browser.send_message(hello).await?;
    browser.wait_for_message(hello).await?;

    // A new room: empty, and it says so, without the lobby's messages.
    browser.create_room("Quiet corner").await?;
    browser.wait_for_text(".room-status", "No messages yet").await?;
    assert_eq!(browser.messages().await?, vec![], "the new room shows another room's messages");

    // A draft in the new room, not sent; then back to the lobby.
    let draft = "half a thought for the quiet corner";
    browser.composer().await?.send_keys(draft).await?;
    browser.switch_to_room("Lobby").await?;
    browser.wait_for_message(hello).await?;
    eventually("the lobby's composer to be empty", || async {
        browser.composer_text().await.ok()?.is_empty().then_some(())
    })
    .await?;

    // Enter in the lobby's empty composer posts nothing. Shown by what
    // follows: the next message sent comes right after the first one.
    browser.composer().await?.send_keys(ENTER).await?;
    let next = "and a real second message";
    browser.send_message(next).await?;
    browser.wait_for_message(next).await?;
    assert_eq!(confirmed(&browser.messages().await?), vec![hello.to_owned(), next.to_owned()]);

    // The mood preview still follows what is typed, after the switch.
    browser.fill("#composer-text", "I love this, what a wonderful day").await?;
    browser.wait_for_mood_preview("😊").await?;
    browser.screenshot("room-state-lobby-after-switch").await?;

    // Back in the new room: its draft is there, its list still empty.
    browser.switch_to_room("Quiet corner").await?;
    eventually("the draft to be back in its room", || async {
        (browser.composer_text().await.ok()? == draft).then_some(())
    })
    .await?;
    browser.wait_for_text(".room-status", "No messages yet").await?;
    assert_eq!(browser.messages().await?, vec![], "the new room shows the lobby's messages");
    browser.screenshot("room-state-draft-back").await?;

    browser.close().await
}
