//! Where the reader left off (issue 14, defect 8): opening a room with many
//! unread messages (more than a page) lands at the first unread one, under
//! a "new messages" line, not at the newest; a "new messages below" marker
//! says there is more below, takes the reader there, and comes back when a
//! message arrives while they read older ones.

use anyhow::Context;
use fantoccini::Locator;
use moodchat_e2e::auth::create_account;
use moodchat_e2e::chat::post_messages;
use moodchat_e2e::{eventually, Browser, Server};
use moodchat_protocol::limits::DEFAULT_PAGE_LIMIT;
use serde_json::Value;

const PASSWORD: &str = "Corr3ct-horse!";
/// More than a page: the first unread is in an older page than the newest.
const UNREAD: u32 = DEFAULT_PAGE_LIMIT + 20;

/// Where the "new messages" line is: its top relative to the list's top,
/// the list's height, the text of the message under it, and how far the
/// list is from its bottom.
const LINE: &str = r#"
const scroller = document.querySelector('.message-scroller');
const line = document.querySelector('.message-rows .unread-line');
if (!line) return null;
const row = line.closest('.message');
return [line.getBoundingClientRect().top - scroller.getBoundingClientRect().top, scroller.clientHeight,
        row.querySelector('.message-text').textContent,
        scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight];
"#;

/// How far the list is from its bottom, in px.
const FROM_BOTTOM: &str =
    "const s = document.querySelector('.message-scroller'); return s.scrollHeight - s.scrollTop - s.clientHeight";

async fn marker_shown(browser: &Browser) -> bool {
    match browser.client.find(Locator::Css(".new-below")).await {
        Ok(marker) => marker.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

#[tokio::test]
async fn a_room_with_many_unread_opens_where_the_reader_left_off() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    create_account(&server, "reader@example.com", "Rin", PASSWORD).await?;
    create_account(&server, "writer@example.com", "Wes", PASSWORD).await?;
    let writer = Browser::start().await?;
    writer.sign_in(&server, "writer@example.com", PASSWORD, "Wes").await?;
    let token = writer.local_storage("moodchat.session.id_token").await?.context("the writer's ID token")?;
    let earlier: Vec<String> = (1..=3).map(|n| format!("read already {n}")).collect();
    post_messages(&server, &token, "lobby", &earlier).await?;

    // Rin reads the lobby, then goes to a room of her own.
    let reader = Browser::start().await?;
    reader.sign_in(&server, "reader@example.com", PASSWORD, "Rin").await?;
    reader.open_room(&server, "lobby", "Lobby").await?;
    reader.wait_for_message(&earlier[2]).await?;
    reader.create_room("Elsewhere").await?;

    // Meanwhile Wes writes more than a page.
    let unread: Vec<String> = (1..=UNREAD).map(|n| format!("unread {n:03}")).collect();
    post_messages(&server, &token, "lobby", &unread).await?;
    reader.wait_for_text(".room-list .unread-badge", &UNREAD.to_string()).await?;
    // The tab says so too, with the room on screen.
    let expected = format!("({UNREAD}) Elsewhere · moodchat");
    eventually(&format!("the tab titled {expected:?}"), || async {
        let title = reader.client.execute("return document.title", vec![]).await.ok()?;
        (title.as_str() == Some(expected.as_str())).then_some(())
    })
    .await?;

    // Back in the lobby: at the first unread, under the line, not at the bottom.
    reader.switch_to_room("Lobby").await?;
    let shown: Vec<Value> = eventually("the new messages line in view", || async {
        let found = reader.client.execute(LINE, vec![]).await.ok()?;
        let found: Vec<Value> = serde_json::from_value(found).ok()?;
        let (top, height) = (found[0].as_f64()?, found[1].as_f64()?);
        (top >= -1.0 && top < height / 3.0).then_some(found)
    })
    .await?;
    reader.screenshot("unread-line").await?;
    assert_eq!(shown[2], unread[0], "the line is not above the first unread message");
    assert!(shown[3].as_f64().unwrap_or_default() > 200.0, "the list opened at its bottom: {shown:?}");
    eventually("the new messages below marker", || async { marker_shown(&reader).await.then_some(()) }).await?;

    // The marker takes her to the newest message, and goes.
    reader.client.find(Locator::Css(".new-below")).await?.click().await?;
    reader.wait_for_message(&unread[unread.len() - 1]).await?;
    eventually("the marker to go at the bottom", || async { (!marker_shown(&reader).await).then_some(()) }).await?;

    // Reading older messages when a new one arrives: the marker is back.
    reader.client.execute("document.querySelector('.message-scroller').scrollTop = 0", vec![]).await?;
    eventually("the list away from its bottom", || async {
        let from_bottom = reader.client.execute(FROM_BOTTOM, vec![]).await.ok()?.as_f64()?;
        (from_bottom > 200.0).then_some(())
    })
    .await?;
    post_messages(&server, &token, "lobby", &["one more thing".to_owned()]).await?;
    eventually("the marker for the message that arrived", || async { marker_shown(&reader).await.then_some(()) }).await?;
    reader.screenshot("unread-new-below").await?;

    writer.close().await?;
    reader.close().await
}
