//! Replies, end to end (issue 17): Bob (a phone, 390x844, Korean, dark)
//! answers Alice's message with the row's reply button; the bar above his
//! composer says whom he answers; Alice (desktop, English, light) sees the
//! reply live with its quote, jumps to the original from it, and after a
//! reload still sees it. When Alice unsends her message, Bob's quote says
//! it was deleted, live. A quote of a message far back in history (more
//! than a page) jumps there. A reply being written stays with its room
//! when Alice goes to another room and back, and Escape cancels it. A
//! polling app replies by keyboard. Screenshots in the test artifacts
//! (replies-*).

use anyhow::Context;
use fantoccini::Locator;
use moodchat_e2e::auth::signed_in;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::chat::{post_messages, ENTER};
use moodchat_e2e::a11y::keys::ESCAPE;
use moodchat_e2e::{eventually, Browser, Server};
use serde_json::{json, Value};

const PASSWORD: &str = "Reply-and-quote-7";
/// Messages after the old one: it is not in the newest page (50).
const AFTER: usize = 60;

fn phone_in_korean() -> BrowserOptions {
    BrowserOptions { width: 390, height: 844, language: "ko-KR".into() }
}

/// The quote shown in the row of message `id`: (sender, text, deleted).
async fn quote_in(browser: &Browser, id: &str) -> Option<(String, String, bool)> {
    let script = r#"const q = document.querySelector(`.message-rows .message[data-key="${arguments[0]}"] .reply-quote`);
        return q ? [q.querySelector('.quote-sender').textContent, q.querySelector('.quote-text').textContent,
                    q.classList.contains('deleted')] : null;"#;
    let found = browser.client.execute(script, vec![id.into()]).await.ok()?;
    serde_json::from_value(found).ok()
}

async fn shows_quote(browser: &Browser, id: &str, wanted: (&str, &str, bool)) -> anyhow::Result<()> {
    eventually(&format!("{id} quoting {wanted:?}"), || async {
        let (sender, text, deleted) = quote_in(browser, id).await?;
        (sender == wanted.0 && text == wanted.1 && deleted == wanted.2).then_some(())
    })
    .await
}

/// The reply bar above the composer: its text, or `None` when there is none.
async fn reply_bar(browser: &Browser) -> Option<String> {
    let found = browser.client.execute("return document.querySelector('.reply-bar')?.textContent ?? null", vec![]).await.ok()?;
    found.as_str().map(str::to_owned)
}

async fn reply_button(browser: &Browser, id: &str) -> anyhow::Result<fantoccini::elements::Element> {
    Ok(browser.client.find(Locator::Css(&format!("button.reply-button[data-message-id='{id}']"))).await?)
}

/// Whether the row of message `id` is in view, marked and focused: where a
/// jump lands.
async fn landed_on(browser: &Browser, id: &str) -> Option<()> {
    let script = r#"const row = document.querySelector(`.message-rows .message[data-key="${arguments[0]}"]`);
        if (!row) return false;
        const r = row.getBoundingClientRect(), s = document.querySelector('.message-scroller').getBoundingClientRect();
        return r.top >= s.top - 1 && r.bottom <= s.bottom + 1 && row.classList.contains('search-target')
            && document.activeElement === row;"#;
    browser.client.execute(script, vec![id.into()]).await.ok()?.as_bool()?.then_some(())
}

/// Sends `text` over REST as a reply to `to`, as the user whose token is `token`.
async fn post_reply(server: &Server, token: &str, text: &str, to: &str) -> anyhow::Result<Value> {
    let body = json!({"client_id": format!("reply-{to}"), "text": text, "reply_to": to});
    let response = reqwest::Client::new()
        .post(server.url("/api/rooms/lobby/messages"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(response.status() == 201, "posting the reply: {}", response.status());
    Ok(response.json().await?)
}

#[tokio::test]
async fn a_reply_quotes_its_original_live_jumps_to_it_and_follows_its_unsend() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    let alice = signed_in(&server, "alice@example.com", "Alice", PASSWORD, BrowserOptions::default(), "Lobby").await?;

    // Long ago Alice asked something, then many messages came, then she
    // quoted her old question (over REST, as a polling client sends).
    let token = alice.local_storage("moodchat.session.id_token").await?.context("Alice's ID token")?;
    let old = "Who is bringing the projector on Friday?";
    let mut texts = vec![old.to_owned()];
    texts.extend((1..=AFTER).map(|n| format!("filler {n}")));
    post_messages(&server, &token, "lobby", &texts).await?;
    let history: Value = reqwest::Client::new()
        .get(server.url("/api/rooms/lobby/messages?limit=200"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let old_id = history["messages"].as_array().unwrap().iter().find(|m| m["text"] == old).unwrap()["id"].as_str().unwrap().to_owned();
    let asked_again = post_reply(&server, &token, "Still nobody? See above.", &old_id).await?;
    let asked_again = asked_again["id"].as_str().unwrap().to_owned();

    let bob = signed_in(&server, "bob@example.com", "Bob", PASSWORD, phone_in_korean(), "로비").await?;
    bob.set_theme("dark").await?;
    bob.wait_for_message("Still nobody? See above.").await?;
    shows_quote(&bob, &asked_again, ("Alice", old, false)).await?;
    bob.screenshot("replies-quote-far-back-phone-ko-dark").await?;

    // Alice asks now; Bob answers it with the row's reply button.
    alice.client.refresh().await?;
    alice.composer().await?;
    let question = "Lunch at noon?";
    alice.send_message(question).await?;
    let question_id = alice.wait_for_message(question).await?.key;
    bob.wait_for_message(question).await?;
    reply_button(&bob, &question_id).await?.click().await?;
    let bar = eventually("Bob's reply bar", || reply_bar(&bob)).await?;
    assert!(bar.contains("답장 대상:") && bar.contains("Alice") && bar.contains(question), "{bar}");
    bob.screenshot("replies-bar-phone-ko-dark").await?;
    // On a phone Enter is a new line: the send button sends.
    bob.send_with_button("좋아요, 12시에 봐요").await?;
    let answer_id = bob.wait_for_message("좋아요, 12시에 봐요").await?.key;
    assert_eq!(reply_bar(&bob).await, None, "sent: the bar is gone");
    shows_quote(&bob, &answer_id, ("Alice", question, false)).await?;

    // Alice sees it live, with the quote; it jumps to her question.
    alice.wait_for_message("좋아요, 12시에 봐요").await?;
    shows_quote(&alice, &answer_id, ("Alice", question, false)).await?;
    alice.screenshot("replies-live-desktop-en").await?;
    alice.client.find(Locator::Css(&format!(".message[data-key='{answer_id}'] .reply-quote"))).await?.click().await?;
    eventually("Alice's list on her question, marked and focused", || landed_on(&alice, &question_id)).await?;

    // After a reload, the same.
    alice.client.refresh().await?;
    alice.wait_for_message("좋아요, 12시에 봐요").await?;
    shows_quote(&alice, &answer_id, ("Alice", question, false)).await?;

    // Alice unsends her question: Bob's quote says so, live.
    let unsend = reqwest::Client::new()
        .delete(server.url(&format!("/api/rooms/lobby/messages/{question_id}")))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(unsend.status(), 200);
    shows_quote(&bob, &answer_id, ("Alice", "삭제된 메시지입니다", true)).await?;
    bob.screenshot("replies-original-unsent-phone-ko-dark").await?;
    shows_quote(&alice, &answer_id, ("Alice", "message deleted", true)).await?;

    // The quote of a message far back (not loaded) jumps there.
    bob.client.find(Locator::Css(&format!(".message[data-key='{asked_again}'] .reply-quote"))).await?.click().await?;
    eventually("Bob's list on the old question, marked and focused", || landed_on(&bob, &old_id)).await?;
    bob.screenshot("replies-jumped-far-back-phone-ko-dark").await?;

    alice.close().await?;
    bob.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_reply_being_written_stays_with_its_room_and_escape_cancels_it() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    let carol = signed_in(&server, "carol@example.com", "Carol", PASSWORD, BrowserOptions::default(), "Lobby").await?;
    let text = "the lobby's question";
    carol.send_message(text).await?;
    let id = carol.wait_for_message(text).await?.key;

    // Carol starts a reply by keyboard, then goes to another room: what she
    // sends there answers nothing, and the reply waits in the lobby.
    reply_button(&carol, &id).await?.send_keys(ENTER).await?;
    eventually("the reply bar", || reply_bar(&carol)).await?;
    let focused = carol.client.active_element().await?;
    assert_eq!(focused.attr("id").await?.as_deref(), Some("composer-text"), "the composer has the focus");
    carol.create_room("Side room").await?;
    carol.composer().await?;
    assert_eq!(reply_bar(&carol).await, None, "no reply in the other room");
    carol.send_message("hello side room").await?;
    let side_id = carol.wait_for_message("hello side room").await?.key;
    assert_eq!(quote_in(&carol, &side_id).await, None, "it answers nothing");
    carol.switch_to_room("Lobby").await?;
    let bar = eventually("the lobby's reply bar again", || reply_bar(&carol)).await?;
    assert!(bar.contains(text), "{bar}");
    carol.screenshot("replies-bar-kept-desktop-en").await?;

    // Escape in the composer cancels it; the next message answers nothing.
    carol.composer().await?.send_keys(&ESCAPE.to_string()).await?;
    eventually("the bar gone", || async { reply_bar(&carol).await.is_none().then_some(()) }).await?;
    carol.send_message("just a message").await?;
    let plain = carol.wait_for_message("just a message").await?.key;
    assert_eq!(quote_in(&carol, &plain).await, None);
    carol.close().await
}

#[tokio::test]
async fn a_polling_app_replies_and_the_other_sees_the_quote() -> anyhow::Result<()> {
    let server = Server::start(&["--transport", "polling"]).await?;
    let dana = signed_in(&server, "dana@example.com", "Dana", PASSWORD, BrowserOptions::default(), "Lobby").await?;
    let eun = signed_in(&server, "eun@example.com", "은지", PASSWORD, phone_in_korean(), "로비").await?;
    dana.wait_polling().await?;
    let text = "오늘 저녁 뭐 먹을까요?";
    eun.send_with_button(text).await?;
    let id = eun.wait_for_message(text).await?.key;
    dana.wait_for_message(text).await?;
    reply_button(&dana, &id).await?.send_keys(ENTER).await?;
    eventually("the reply bar", || reply_bar(&dana)).await?;
    dana.send_message("Bibimbap!").await?;
    let answer = dana.wait_for_message("Bibimbap!").await?.key;
    shows_quote(&dana, &answer, ("은지", text, false)).await?;
    eun.wait_for_message("Bibimbap!").await?;
    shows_quote(&eun, &answer, ("은지", text, false)).await?;
    eun.screenshot("replies-polling-phone-ko").await?;
    assert!(dana.connection_class().await?.contains("polling"), "still polling");
    dana.close().await?;
    eun.close().await
}
