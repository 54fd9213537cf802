//! Search and the mood of a room, end to end (issue 17), with the real
//! server and the real app in Chromium: a Korean word inside a longer one
//! ("회의" in "회의실") is found from the room header's search panel; the
//! result opens its room at the message although it is far back in
//! history (more than two pages); the room's mood chart shows, with its
//! words for screen readers, in Korean and English. Screenshots on a
//! desktop and a phone, light and dark, in the test artifacts.

use anyhow::Context;
use fantoccini::Locator;
use moodchat_e2e::auth::create_account;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::chat::post_messages;
use moodchat_e2e::{eventually, Browser, Server};

const PASSWORD: &str = "Corr3ct-horse!";
const TARGET: &str = "내일 오후 3시 회의실 예약해 뒀어요";
/// Messages after the target: it is not in the newest pages.
const AFTER: usize = 130;

/// The visible rectangle of the row showing `text` inside the message
/// list, and the list's: (row top, row bottom, list top, list bottom),
/// whether the row is marked and whether it has the keyboard focus.
const ROW_IN_VIEW: &str = r#"
const scroller = document.querySelector('.message-scroller');
const row = [...document.querySelectorAll('.message-rows .message')]
    .find(r => r.querySelector('.message-text')?.textContent === arguments[0]);
if (!row) return null;
const r = row.getBoundingClientRect(), s = scroller.getBoundingClientRect();
return [r.top, r.bottom, s.top, s.bottom, row.classList.contains('search-target'), document.activeElement === row];
"#;

/// (in view, marked, focused) for the row showing `text`, if it is drawn.
async fn row_in_view(browser: &Browser, text: &str) -> Option<(bool, bool, bool)> {
    let found = browser.client.execute(ROW_IN_VIEW, vec![text.into()]).await.ok()?;
    let values = found.as_array()?;
    let number = |i: usize| values[i].as_f64().unwrap_or(f64::NAN);
    let visible = number(0) >= number(2) - 1.0 && number(1) <= number(3) + 1.0;
    Some((visible, values[4].as_bool()?, values[5].as_bool()?))
}

/// The chart's words for screen readers, once it shows.
async fn chart_words(browser: &Browser, title: &str) -> anyhow::Result<String> {
    eventually("the room's mood chart", || async {
        let words = browser
            .client
            .execute("return document.querySelector('.room-mood figcaption')?.textContent ?? null", vec![])
            .await
            .ok()?;
        words.as_str().filter(|words| words.contains(title)).map(str::to_owned)
    })
    .await
}

async fn search(browser: &Browser, query: &str) -> anyhow::Result<()> {
    eventually("the search button", || async { browser.client.find(Locator::Css("button.search-open")).await.ok() })
        .await?
        .click()
        .await?;
    let input = eventually("the search panel", || async { browser.client.find(Locator::Css(".search-input")).await.ok() }).await?;
    input.send_keys(query).await?;
    Ok(())
}

#[tokio::test]
async fn a_korean_word_inside_a_longer_one_is_found_and_opens_far_back_in_history() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    create_account(&server, "minji@example.com", "민지", PASSWORD).await?;
    create_account(&server, "sam@example.com", "Sam", PASSWORD).await?;

    // Minji (Korean, desktop) wrote the message long ago; many came after.
    let korean = BrowserOptions { language: "ko-KR".into(), ..BrowserOptions::default() };
    let minji = Browser::start_with(korean).await?;
    minji.sign_in(&server, "minji@example.com", PASSWORD, "민지").await?;
    let token = minji.local_storage("moodchat.session.id_token").await?.context("Minji's ID token")?;
    let mut texts = vec![TARGET.to_owned()];
    texts.extend((1..=AFTER).map(|n| format!("다른 이야기 {n}번")));
    post_messages(&server, &token, "lobby", &texts).await?;
    minji.open_room(&server, "lobby", "로비").await?;
    minji.wait_for_message(&texts[AFTER]).await?;
    assert!(row_in_view(&minji, TARGET).await.is_none(), "the message is not loaded before the search");

    // The chart, with its words for screen readers (in Korean).
    let words = chart_words(&minji, "이 방의 분위기").await?;
    assert!(words.contains("최근 7일") && words.contains("긍정"), "{words}");

    // "회의" (two characters) finds "회의실", marked, with its room.
    search(&minji, "회의").await?;
    let hit = eventually("the search result", || async {
        let hit = minji.client.find(Locator::Css(".search-hit")).await.ok()?;
        hit.text().await.ok()?.contains("회의실").then_some(hit)
    })
    .await?;
    let marked = minji.client.find(Locator::Css(".search-hit mark")).await?.text().await?;
    assert_eq!(marked, "회의");
    assert!(hit.text().await?.contains("로비"), "the result names its room");
    minji.screenshot("search-results-desktop-light-ko").await?;

    // Opening it shows the message in the list (it is the room's first: at
    // the top), marked, with the keyboard focus on it.
    hit.click().await?;
    eventually("the message far back, in view, marked and focused", || async {
        row_in_view(&minji, TARGET).await.filter(|(visible, marked, focused)| *visible && *marked && *focused)
    })
    .await?;
    assert!(minji.client.find(Locator::Css(".search-panel")).await.is_err(), "the panel closed");
    minji.screenshot("search-jump-desktop-light-ko").await?;
    minji.set_theme("dark").await?;
    minji.screenshot("search-jump-desktop-dark-ko").await?;

    // Sam (English, on a phone) searches by keyboard and closes with Escape.
    let phone = BrowserOptions { width: 390, height: 844, language: "en-US".into() };
    let sam = Browser::start_with(phone).await?;
    sam.sign_in(&server, "sam@example.com", PASSWORD, "Sam").await?;
    sam.open_room(&server, "lobby", "Lobby").await?;
    let words = chart_words(&sam, "Mood of this room").await?;
    assert!(words.contains("Last 7 days") && words.contains("positive"), "{words}");
    sam.screenshot("room-mood-phone-light-en").await?;
    search(&sam, "회의실").await?;
    sam.wait_for_text(".search-hit", TARGET).await?;
    sam.wait_for_text(".search-status", "1 found").await?;
    sam.screenshot("search-results-phone-light-en").await?;
    sam.set_theme("dark").await?;
    sam.screenshot("search-results-phone-dark-en").await?;
    sam.client.find(Locator::Css(".search-input")).await?.send_keys("\u{E00C}").await?;
    eventually("the panel to close on Escape", || async {
        sam.client.find(Locator::Css(".search-panel")).await.is_err().then_some(())
    })
    .await?;
    let focused = sam.client.execute("return document.activeElement?.className ?? ''", vec![]).await?;
    assert_eq!(focused.as_str(), Some("search-open"), "the focus goes back to the search button");
    sam.screenshot("room-mood-phone-dark-en").await?;

    // Nothing of a room Sam is not in: Minji's own room.
    minji.create_room("기획팀").await?;
    minji.send_message("기획팀 회의실 비밀번호 1234").await?;
    minji.wait_for_message("기획팀 회의실 비밀번호 1234").await?;
    search(&sam, "비밀번호").await?;
    sam.wait_for_text(".search-status", "No messages found").await?;

    minji.close().await?;
    sam.close().await
}
