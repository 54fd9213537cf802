//! Corrections by the author, end to end: Alice (in English) writes a
//! message and tells the app its mood is not what the model said, from the
//! emoji of her own message; Bob (in Korean) sees the corrected mood live,
//! marked as the author's choice, and still sees it after a reload; the
//! administrator's export holds the pair (text, model label, author label).

use fantoccini::Locator;
use moodchat_e2e::auth::signed_in;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::{eventually, Browser, Server};

const PASSWORD: &str = "Corr3ct-horse!";

/// Signed in and in the lobby, whose title is `lobby` in the browser's language.
/// The mood badge of the row showing `text`: (emoji, classes, accessible name).
async fn badge(browser: &Browser, text: &str) -> Option<(String, String, String)> {
    let found = browser
        .client
        .execute(
            r#"const row = [...document.querySelectorAll('.message-rows .message')]
                   .find(r => r.querySelector('.message-text')?.textContent === arguments[0]);
               const mood = row?.querySelector('.mood');
               return mood ? [mood.textContent, mood.className, mood.getAttribute('aria-label')] : null;"#,
            vec![text.into()],
        )
        .await
        .ok()?;
    let [emoji, class, label] = found.as_array()?.as_slice() else { return None };
    Some((emoji.as_str()?.to_owned(), class.as_str()?.to_owned(), label.as_str()?.to_owned()))
}

#[tokio::test]
async fn the_author_corrects_the_mood_and_the_other_person_sees_it_live() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    let alice = signed_in(&server, "alice@example.com", "Alice", PASSWORD, BrowserOptions::default(), "Lobby").await?;
    let korean = BrowserOptions { language: "ko-KR".into(), ..BrowserOptions::default() };
    let bob = signed_in(&server, "bob@example.com", "Bob", PASSWORD, korean, "로비").await?;

    let text = "내일 면접이라 너무 떨려서 잠이 안 와";
    alice.send_message(text).await?;
    let model_emoji = bob.wait_for_message(text).await?.mood;
    alice.wait_for_message(text).await?;
    // Whatever the model said, Alice picks something else.
    let (pick, pick_emoji) = if model_emoji == "😞" { ("positive", "😊") } else { ("negative", "😞") };

    let button = alice.client.find(Locator::Css(".message.mine button.mood-button")).await?;
    button.click().await?;
    let option = eventually("the mood menu", || async {
        alice.client.find(Locator::Css(&format!(".mood-picker button[data-mood={pick}]"))).await.ok()
    })
    .await?;
    option.click().await?;

    // Bob sees it live, marked as chosen by the author, in Korean.
    let (emoji, class, label) = eventually("Bob sees the corrected mood", || async {
        badge(&bob, text).await.filter(|(emoji, ..)| emoji == pick_emoji)
    })
    .await?;
    assert!(class.contains("by-author"), "{class}");
    assert!(label.contains("작성자가 고른 기분") && label.contains("모델의 판단"), "{label}");
    // Alice's own badge says so too, and the menu is gone.
    let (emoji_alice, class_alice, _) = eventually("Alice's badge updated", || async {
        badge(&alice, text).await.filter(|(emoji, ..)| emoji == pick_emoji)
    })
    .await?;
    assert!(class_alice.contains("by-author") && emoji_alice == emoji);
    assert!(alice.client.find(Locator::Css(".mood-picker")).await.is_err(), "the menu closes after a choice");

    // After a reload the history carries it.
    bob.client.refresh().await?;
    eventually("the corrected mood after a reload", || async {
        badge(&bob, text).await.filter(|(emoji, class, _)| emoji == pick_emoji && class.contains("by-author"))
    })
    .await?;

    // The administrator's export: the text, its language, both labels, no names.
    let binary = std::env::var("MOODCHAT_BIN")?;
    let output = std::process::Command::new(binary).arg("export-moods").arg("--data-dir").arg(server.data_dir()).output()?;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let tsv = String::from_utf8(output.stdout)?;
    let line = tsv.lines().nth(1).unwrap_or_default();
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields[..2], [text, "ko"], "{tsv}");
    assert_eq!(fields[3], pick, "{tsv}");
    assert!(!tsv.contains("Alice") && !tsv.contains("alice@"), "{tsv}");

    alice.close().await?;
    bob.close().await?;
    Ok(())
}
