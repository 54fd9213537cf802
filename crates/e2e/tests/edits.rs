//! Edit and unsend, end to end: Alice (in English) edits one of her messages
//! and unsends another from the message's menu, by keyboard and by mouse;
//! Bob (in Korean) sees the edit, marked "수정됨", and the unsent message
//! shown as deleted, live and after a reload; and the same between two
//! people whose app polls (no WebSocket), where changes to old messages
//! arrive with the next poll. Screenshots in the test artifacts.

use fantoccini::Locator;
use moodchat_e2e::auth::signed_in;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::chat::ENTER;
use moodchat_e2e::{eventually, Browser, Server};

const PASSWORD: &str = "Edit-and-unsend-9";

fn korean() -> BrowserOptions {
    BrowserOptions { language: "ko-KR".into(), ..BrowserOptions::default() }
}

/// The row of message `id`: (its text, its "edited" mark).
async fn row(browser: &Browser, id: &str) -> Option<(String, String)> {
    let found = browser
        .client
        .execute(
            r#"const row = document.querySelector(`.message-rows .message[data-key="${arguments[0]}"]`);
               return row ? [row.querySelector('.message-text')?.textContent ?? '',
                             row.querySelector('.edited-mark')?.textContent ?? ''] : null;"#,
            vec![id.into()],
        )
        .await
        .ok()?;
    let [text, mark] = found.as_array()?.as_slice() else { return None };
    Some((text.as_str()?.to_owned(), mark.as_str()?.to_owned()))
}

async fn shows(browser: &Browser, id: &str, text: &str, mark: &str) -> anyhow::Result<()> {
    eventually(&format!("{id} shown as {text:?} {mark:?}"), || async {
        row(browser, id).await.filter(|(shown, shown_mark)| shown == text && shown_mark == mark)
    })
    .await
    .map(|_| ())
}

/// The id of the confirmed message showing `text`.
async fn id_of(browser: &Browser, text: &str) -> anyhow::Result<String> {
    Ok(browser.wait_for_message(text).await?.key)
}

async fn menu_button(browser: &Browser, id: &str) -> anyhow::Result<fantoccini::elements::Element> {
    Ok(browser.client.find(Locator::Css(&format!("button.message-actions[data-message-id='{id}']"))).await?)
}

async fn menu_item(browser: &Browser, action: &str) -> anyhow::Result<fantoccini::elements::Element> {
    let css = format!(".message-menu button[data-action={action}]");
    eventually(&format!("the menu's {action}"), || async { browser.client.find(Locator::Css(&css)).await.ok() }).await
}

/// Edits by keyboard only: Enter on the menu button, Enter on "Edit" (the
/// focused item), the new text, Enter to save.
async fn edit_by_keyboard(browser: &Browser, id: &str, text: &str) -> anyhow::Result<()> {
    menu_button(browser, id).await?.send_keys(ENTER).await?;
    let edit = menu_item(browser, "edit").await?;
    let focused = browser.client.active_element().await?;
    assert_eq!(focused.attr("data-action").await?.as_deref(), Some("edit"), "the menu's first item has focus");
    edit.send_keys(ENTER).await?;
    let editor = eventually("the editor", || async {
        browser.client.find(Locator::Css("textarea.message-editor")).await.ok()
    })
    .await?;
    browser.screenshot(&format!("edit-editor-{}", browser_label(browser).await)).await?;
    editor.clear().await?;
    editor.send_keys(&format!("{text}{ENTER}")).await?;
    Ok(())
}

/// Unsends with the mouse, through the confirmation.
async fn unsend_by_mouse(browser: &Browser, id: &str) -> anyhow::Result<()> {
    menu_button(browser, id).await?.click().await?;
    menu_item(browser, "unsend").await?.click().await?;
    let confirm = menu_item(browser, "confirm-unsend").await?;
    browser.screenshot(&format!("unsend-confirm-{}", browser_label(browser).await)).await?;
    confirm.click().await?;
    Ok(())
}

async fn browser_label(browser: &Browser) -> String {
    let polling = browser.connection_class().await.unwrap_or_default().contains("polling");
    if polling { "polling".into() } else { "live".into() }
}

#[tokio::test]
async fn an_edit_and_an_unsend_reach_the_other_person_live_and_after_a_reload() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    let alice = signed_in(&server, "alice@example.com", "Alice", PASSWORD, BrowserOptions::default(), "Lobby").await?;
    let bob = signed_in(&server, "bob@example.com", "Bob", PASSWORD, korean(), "로비").await?;

    let (typo, secret) = ("see you at 3pm in room 401", "my phone is 010-9876-5432");
    alice.send_message(typo).await?;
    alice.send_message(secret).await?;
    let (typo_id, secret_id) = (id_of(&alice, typo).await?, id_of(&alice, secret).await?);
    bob.wait_for_message(secret).await?;
    assert!(bob.client.find(Locator::Css("button.message-actions")).await.is_err(), "no menu on someone else's message");

    let fixed = "see you at 4pm in room 402";
    edit_by_keyboard(&alice, &typo_id, fixed).await?;
    shows(&alice, &typo_id, fixed, "edited").await?;
    shows(&bob, &typo_id, fixed, "수정됨").await?;
    eventually("focus back on the edited message's menu button", || async {
        let focused = alice.client.active_element().await.ok()?;
        (focused.attr("data-message-id").await.ok()?.as_deref() == Some(typo_id.as_str())).then_some(())
    })
    .await?;

    unsend_by_mouse(&alice, &secret_id).await?;
    shows(&alice, &secret_id, "message deleted", "").await?;
    shows(&bob, &secret_id, "삭제된 메시지입니다", "").await?;
    assert!(menu_button(&alice, &secret_id).await.is_err(), "an unsent message has no menu");
    for (browser, preview) in [(&alice, "Alice: message deleted"), (&bob, "Alice: 삭제된 메시지입니다")] {
        eventually("the room list shows the unsend", || async {
            let shown = browser.client.execute("return document.querySelector('.room-last')?.textContent", vec![]).await.ok()?;
            (shown.as_str() == Some(preview)).then_some(())
        })
        .await?;
    }
    alice.screenshot("edits-alice-after").await?;
    bob.screenshot("edits-bob-live-ko").await?;

    bob.client.refresh().await?;
    shows(&bob, &typo_id, fixed, "수정됨").await?;
    shows(&bob, &secret_id, "삭제된 메시지입니다", "").await?;
    let page = bob.client.source().await?;
    assert!(!page.contains("010-9876-5432") && !page.contains("3pm"), "the old texts are gone from the page");
    bob.screenshot("edits-bob-after-reload-ko").await?;

    alice.close().await?;
    bob.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_polling_app_gets_changes_to_old_messages_with_its_next_poll() -> anyhow::Result<()> {
    let server = Server::start(&["--transport", "polling"]).await?;
    let alice = signed_in(&server, "carol@example.com", "Carol", PASSWORD, BrowserOptions::default(), "Lobby").await?;
    let bob = signed_in(&server, "dong@example.com", "Dong", PASSWORD, korean(), "로비").await?;
    assert_eq!(alice.wait_polling().await?, "Connected (polling)");
    assert_eq!(bob.wait_polling().await?, "연결됨 (폴링)");

    let (first, second, third) = ("lunch at noon?", "the wifi password is hunter2", "see you there");
    for text in [first, second, third] {
        alice.send_message(text).await?;
        alice.wait_for_message(text).await?;
    }
    let (first_id, second_id) = (id_of(&alice, first).await?, id_of(&alice, second).await?);
    bob.wait_for_message(third).await?;

    let fixed = "lunch at 12:30?";
    edit_by_keyboard(&alice, &first_id, fixed).await?;
    unsend_by_mouse(&alice, &second_id).await?;
    shows(&bob, &first_id, fixed, "수정됨").await?;
    shows(&bob, &second_id, "삭제된 메시지입니다", "").await?;
    bob.screenshot("edits-bob-polling-ko").await?;
    assert!(bob.connection_class().await?.contains("polling"), "still polling");

    alice.close().await?;
    bob.close().await?;
    Ok(())
}
