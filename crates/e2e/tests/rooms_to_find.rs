//! Rooms people can find, end to end (issue 17): Bob browses the public
//! rooms he is not in and joins Alice's; Alice sees who is in it, online
//! first, from the room header's members panel; she invites Carol by name
//! and Carol's open app lists the room live; Bob leaves it after a
//! confirmation and is back in the lobby, out of the member list. By
//! keyboard: Escape closes the panel and gives the focus back to its
//! button. Screenshots in the test artifacts (rooms-*).

use fantoccini::Locator;
use moodchat_e2e::a11y::keys::ESCAPE;
use moodchat_e2e::auth::signed_in;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::{eventually, Browser, Server};

const PASSWORD: &str = "Find-and-join-5";
const CLUB: &str = "Book club";

fn korean_dark_desktop() -> BrowserOptions {
    BrowserOptions { language: "ko-KR".into(), ..BrowserOptions::default() }
}

async fn click(browser: &Browser, css: &str) -> anyhow::Result<()> {
    let found = eventually(css, || async { browser.client.find(Locator::Css(css)).await.ok() }).await?;
    found.click().await?;
    Ok(())
}

/// The members panel's list: (name, online), as shown, once it has `count`.
async fn members(browser: &Browser, count: usize) -> anyhow::Result<Vec<(String, bool)>> {
    eventually(&format!("{count} members listed"), || async {
        let found = browser
            .client
            .execute(
                "return [...document.querySelectorAll('.people-panel .member')]
                    .map(m => [m.querySelector('.member-name').textContent, m.classList.contains('online')])",
                vec![],
            )
            .await
            .ok()?;
        let list: Vec<(String, bool)> = serde_json::from_value(found).ok()?;
        (list.len() == count).then_some(list)
    })
    .await
}

async fn focused_class(browser: &Browser) -> String {
    match browser.client.active_element().await {
        Ok(element) => element.attr("class").await.ok().flatten().unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test]
async fn browse_join_see_members_invite_and_leave() -> anyhow::Result<()> {
    let mut server = Server::start(&[]).await?;
    let alice = signed_in(&server, "alice@example.com", "Alice", PASSWORD, BrowserOptions::default(), "Lobby").await?;
    alice.create_room(CLUB).await?;
    alice.composer().await?;
    let bob = signed_in(&server, "bob@example.com", "Bob", PASSWORD, BrowserOptions::default(), "Lobby").await?;
    let carol = signed_in(&server, "carol@example.com", "Carol", PASSWORD, korean_dark_desktop(), "로비").await?;
    carol.set_theme("dark").await?;

    // Bob browses the rooms he is not in and joins the club.
    click(&bob, ".browse-rooms > summary").await?;
    let join = eventually("the club among the rooms to join", || async {
        bob.client.find(Locator::Css(".joinable-room button[aria-label='Join Book club']")).await.ok()
    })
    .await?;
    bob.screenshot("rooms-browse-desktop-en").await?;
    join.click().await?;
    bob.wait_for_text(".page-room h1", CLUB).await?;
    bob.room_entry(CLUB).await?;
    bob.composer().await?;
    bob.send_message("Hi all, which book is next?").await?;
    alice.wait_for_message("Hi all, which book is next?").await?;

    // Alice's members panel: both of them, online, Alice marked as herself.
    click(&alice, "button.people-open").await?;
    let listed = members(&alice, 2).await?;
    assert_eq!(listed, [("Alice".to_owned(), true), ("Bob".to_owned(), true)]);
    let title = alice.client.find(Locator::Css("#people-title")).await?.text().await?;
    assert_eq!(title, "Members (2)");

    // She invites Carol by name; Carol's open app lists the club live.
    alice.fill("#invite-person", "car").await?;
    let invite = eventually("Carol found to invite", || async {
        alice.client.find(Locator::Css(".people-panel button[aria-label='Invite Carol']")).await.ok()
    })
    .await?;
    invite.click().await?;
    alice.wait_for_text(".people-notice", "Carol is in the room now.").await?;
    let listed = members(&alice, 3).await?;
    assert!(listed.contains(&("Carol".to_owned(), false)) || listed.contains(&("Carol".to_owned(), true)), "{listed:?}");
    alice.screenshot("rooms-members-invited-desktop-en").await?;
    carol.room_entry(CLUB).await?.click().await?;
    carol.wait_for_text(".page-room h1", CLUB).await?;
    carol.wait_for_message("Hi all, which book is next?").await?;
    click(&carol, "button.people-open").await?;
    members(&carol, 3).await?;
    let title = carol.client.find(Locator::Css("#people-title")).await?.text().await?;
    assert_eq!(title, "참여자 (3명)");
    carol.screenshot("rooms-members-ko-dark").await?;

    // Escape closes it; the focus is back on the button.
    carol.client.active_element().await?.send_keys(&ESCAPE.to_string()).await?;
    eventually("the panel closed, focus on its button", || async {
        let closed = carol.client.find(Locator::Css(".people-panel")).await.is_err();
        (closed && focused_class(&carol).await.contains("people-open")).then_some(())
    })
    .await?;

    // Bob leaves, after a confirmation: back in the lobby, the club gone
    // from his list and from the members.
    click(&bob, "button.people-open").await?;
    click(&bob, ".leave-room > .link-button").await?;
    eventually("the question with the focus on Cancel", || async {
        focused_class(&bob).await.contains("secondary").then_some(())
    })
    .await?;
    bob.screenshot("rooms-leave-confirm-desktop-en").await?;
    click(&bob, ".leave-confirm .button.danger").await?;
    bob.wait_for_text(".page-room h1", "Lobby").await?;
    eventually("the club gone from Bob's list", || async {
        let names = bob.client.execute("return [...document.querySelectorAll('.room-list .room-name')].map(n => n.textContent)", vec![]).await.ok()?;
        (!names.to_string().contains(CLUB)).then_some(())
    })
    .await?;
    // A reconnect does not take Bob back in: his app no longer follows the
    // room (a `join` would make him a member again).
    server.kill().await?;
    bob.wait_disconnected().await?;
    server.restart().await?;
    bob.wait_connected().await?;
    alice.wait_connected().await?;
    click(&alice, ".people-panel .search-close").await?;
    click(&alice, "button.people-open").await?; // listed afresh
    let listed = members(&alice, 2).await?;
    assert!(!listed.iter().any(|(name, _)| name == "Bob"), "{listed:?}");

    alice.close().await?;
    bob.close().await?;
    carol.close().await
}
