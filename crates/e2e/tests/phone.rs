//! The chat on a phone (390x844, in Korean), as issue 14 found it broken:
//!
//! - the message pane fills the screen: the composer sits at the bottom, the
//!   pane takes the height the title, activity line and composer leave
//!   (it was about 240 px with 350 px empty below the composer);
//! - Enter starts a new line (soft keyboards have no Shift) and the send
//!   button sends the lines as one message;
//! - our own messages are on the right, other people's on the left.

use fantoccini::Locator;
use moodchat_e2e::auth::create_account;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::chat::ENTER;
use moodchat_e2e::{Browser, Server};
use serde_json::Value;

const PASSWORD: &str = "Corr3ct-horse!";
const PHONE: (u32, u32) = (390, 844);

/// The bottom edge, top edge and height of the first element matching `css`, in CSS pixels.
async fn rect(browser: &Browser, css: &str) -> anyhow::Result<(f64, f64, f64)> {
    let found = browser
        .client
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); return [r.top, r.bottom, r.height, r.left, r.right];",
            vec![css.into()],
        )
        .await?;
    let numbers: Vec<f64> = serde_json::from_value(found)?;
    Ok((numbers[0], numbers[1], numbers[2]))
}

/// Left and right edges of the bubble of the message whose text is `text`,
/// and of the message list.
async fn bubble_edges(browser: &Browser, text: &str) -> anyhow::Result<(f64, f64, f64, f64)> {
    let found: Value = browser
        .client
        .execute(
            r#"const row = [...document.querySelectorAll('.message-rows .message')]
                   .find(row => row.querySelector('.message-text')?.textContent === arguments[0]);
               const bubble = row.querySelector('.bubble').getBoundingClientRect();
               const list = document.querySelector('.message-rows').getBoundingClientRect();
               return [bubble.left, bubble.right, list.left, list.right];"#,
            vec![text.into()],
        )
        .await?;
    let numbers: Vec<f64> = serde_json::from_value(found)?;
    Ok((numbers[0], numbers[1], numbers[2], numbers[3]))
}

#[tokio::test]
async fn on_a_phone_the_chat_fills_the_screen_enter_is_a_new_line_and_ours_are_on_the_right() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    create_account(&server, "jiwoo@example.com", "Jiwoo", PASSWORD).await?;
    create_account(&server, "haneul@example.com", "Haneul", PASSWORD).await?;
    let phone = BrowserOptions { width: PHONE.0, height: PHONE.1, language: "ko-KR".into() };
    let browser = Browser::start_with(phone).await?;
    browser.sign_in(&server, "jiwoo@example.com", PASSWORD, "Jiwoo").await?;
    browser.open_room(&server, "lobby", "로비").await?;

    // The layout: the composer at the bottom of the screen, the pane above it
    // taking the rest.
    let viewport: f64 = browser.client.execute("return window.innerHeight", vec![]).await?.as_f64().unwrap_or_default();
    let (_, composer_bottom, _) = rect(&browser, ".composer").await?;
    let (pane_top, _, pane_height) = rect(&browser, ".room-body").await?;
    browser.screenshot("phone-room-ko").await?;
    assert!(composer_bottom <= viewport, "the composer ends below the screen: {composer_bottom} > {viewport}");
    assert!(viewport - composer_bottom <= 48.0, "{} px empty below the composer", viewport - composer_bottom);
    assert!(pane_top < viewport / 4.0, "the pane starts at {pane_top}");
    assert!(pane_height >= viewport * 0.6, "the message pane is {pane_height} px of {viewport}");

    // Enter is a new line; the send button sends both lines as one message.
    browser.composer().await?.send_keys(&format!("첫째 줄{ENTER}둘째 줄")).await?;
    assert_eq!(browser.composer_text().await?, "첫째 줄\n둘째 줄", "Enter did not start a new line");
    assert!(browser.messages().await?.is_empty(), "Enter sent the message");
    browser.client.find(Locator::Css(".composer .send")).await?.click().await?;
    let two_lines = "첫째 줄\n둘째 줄";
    browser.wait_for_message(two_lines).await?;
    assert_eq!(browser.composer_text().await?, "", "the composer keeps what was sent");

    // Someone else's message: on the left; ours: on the right.
    let other = Browser::start().await?;
    other.sign_in(&server, "haneul@example.com", PASSWORD, "Haneul").await?;
    other.open_room(&server, "lobby", "Lobby").await?;
    let reply = "hello from the other side";
    other.send_message(reply).await?;
    browser.wait_for_message(reply).await?;
    let (mine_left, mine_right, list_left, list_right) = bubble_edges(&browser, two_lines).await?;
    let (theirs_left, theirs_right, ..) = bubble_edges(&browser, reply).await?;
    browser.screenshot("phone-own-messages-right-ko").await?;
    let middle = (list_left + list_right) / 2.0;
    assert!(mine_right > middle && mine_left > list_left + 48.0, "our message is not on the right: {mine_left}..{mine_right}");
    assert!(list_right - mine_right < 48.0, "our message does not reach the right edge: {mine_right} of {list_right}");
    assert!(theirs_left < middle && theirs_right < list_right - 48.0, "their message is not on the left: {theirs_left}..{theirs_right}");

    other.close().await?;
    browser.close().await
}
