//! Chatting end to end: two people signed in through the real sign-in page
//! in two browser sessions talk in the lobby of the real server. They see
//! each other's messages live with a mood emoji; the server is killed while
//! one of them types and restarted, and both end with the same messages,
//! none lost or doubled. The same conversation works when the server says
//! to poll instead of using WebSockets, and markup in a message is text. A
//! direct conversation shows in the other person's room list as unread until read.

use fantoccini::Locator;
use moodchat_e2e::auth;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::chat::confirmed;
use moodchat_e2e::{eventually, Browser, Server};

const PASSWORD: &str = "Corr3ct-horse!";
const MOODS: [&str; 3] = ["😊", "😐", "😞"];

async fn signed_in(server: &Server, email: &str, name: &str, options: BrowserOptions) -> anyhow::Result<Browser> {
    auth::signed_in(server, email, name, PASSWORD, options, "Lobby").await
}

fn phone() -> BrowserOptions {
    BrowserOptions { width: 360, height: 740, language: "en-US".into() }
}

/// Waits until both browsers show exactly `expected`, in this order.
async fn both_show(a: &Browser, b: &Browser, expected: &[&str]) -> anyhow::Result<()> {
    for browser in [a, b] {
        eventually(&format!("the messages {expected:?}"), || async {
            let shown = confirmed(&browser.messages().await.ok()?);
            (shown == expected).then_some(())
        })
        .await?;
    }
    Ok(())
}

#[tokio::test]
async fn two_people_chat_live_and_lose_nothing_across_a_server_restart() -> anyhow::Result<()> {
    let mut server = Server::start(&[]).await?;
    let alice = signed_in(&server, "alice@example.com", "Alice", BrowserOptions::default()).await?;
    let bob = signed_in(&server, "bob@example.com", "Bob", phone()).await?;

    // Live in both directions, each with its mood.
    let hello = "I love this, what a wonderful day!";
    alice.send_message(hello).await?;
    let seen = bob.wait_for_message(hello).await?;
    assert!(MOODS.contains(&seen.mood.as_str()), "mood emoji {:?}", seen.mood);
    let reply = "안녕하세요, 반가워요";
    // (Bob is on a phone: Enter starts a new line there, the button sends.)
    bob.send_with_button(reply).await?;
    alice.wait_for_message(reply).await?;
    // Presence: each sees the other online.
    alice.wait_for_text(".presence", "Bob").await?;

    // The server goes away; Alice keeps typing.
    server.kill().await?;
    alice.wait_disconnected().await?;
    bob.wait_disconnected().await?;
    // Who is online is unknown now: nobody is shown rather than stale names.
    alice.wait_for_text(".presence.nobody", "").await?;
    let offline = "written while the server was down";
    alice.send_message(offline).await?;
    eventually("the offline message shown as pending", || async {
        alice.messages().await.ok()?.into_iter().find(|m| m.text == offline && m.pending)
    })
    .await?;

    // Back: the outbox is sent, the other side re-joins with `since`.
    server.restart().await?;
    alice.wait_connected().await?;
    bob.wait_connected().await?;
    both_show(&alice, &bob, &[hello, reply, offline]).await?;

    // Markup is text, and a script in a message never runs.
    let payload = "<script>window.__pwned = 1</script><b>not bold</b>";
    bob.send_with_button(payload).await?;
    alice.wait_for_message(payload).await?;
    let pwned = alice.client.execute("return window.__pwned === undefined", vec![]).await?;
    assert_eq!(pwned.as_bool(), Some(true), "the script ran");
    assert!(alice.client.find(Locator::Css(".message-text b, .message-text script")).await.is_err());
    both_show(&alice, &bob, &[hello, reply, offline, payload]).await?;

    // The room list follows the lobby live: its last message is the newest.
    alice.wait_for_text(".room-list .room-link[aria-current='page'] .room-last", "Bob: <script>").await?;

    // A direct conversation: Alice finds Bob by name and writes to him.
    alice.open_direct("Bo", "Bob").await?;
    let secret = "psst, just between us";
    alice.send_message(secret).await?;
    alice.wait_for_message(secret).await?;

    // Bob's room list shows it, named after Alice, with one unread message...
    bob.client.goto(&server.url("/rooms")).await?;
    bob.wait_for_text(".room-list", "Alice").await?;
    bob.wait_for_text(".room-list .unread-badge", "1").await?;
    bob.screenshot("chat-rooms-phone-light").await?;
    // ...which clears once he has read it.
    let direct = eventually("the conversation with Alice in the list", || async {
        for link in bob.client.find_all(Locator::Css(".room-link")).await.ok()? {
            if link.text().await.ok()?.contains("Alice") {
                return Some(link);
            }
        }
        None
    })
    .await?;
    direct.click().await?;
    bob.wait_for_text(".page-room h1", "Alice").await?;
    bob.wait_for_message(secret).await?;
    bob.client.goto(&server.url("/rooms")).await?;
    bob.wait_for_text(".room-list", "Alice").await?;
    eventually("no unread count left", || async {
        bob.client.find_all(Locator::Css(".room-list .unread-badge")).await.ok()?.is_empty().then_some(())
    })
    .await?;
    alice.open_room(&server, "lobby", "Lobby").await?;
    bob.open_room(&server, "lobby", "Lobby").await?;

    // The room view in both themes, on a desktop and on a phone.
    for (browser, size) in [(&alice, "desktop"), (&bob, "phone")] {
        browser.set_theme("light").await?;
        browser.screenshot(&format!("chat-room-{size}-light")).await?;
        browser.set_theme("dark").await?;
        browser.screenshot(&format!("chat-room-{size}-dark")).await?;
    }
    // Nothing overflows the phone's width.
    let overflow = bob
        .client
        .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth", vec![])
        .await?;
    assert_eq!(overflow.as_i64(), Some(0), "horizontal overflow on a phone");

    alice.close().await?;
    bob.close().await
}

#[tokio::test]
async fn the_same_conversation_works_over_polling() -> anyhow::Result<()> {
    let mut server = Server::start(&["--transport", "polling"]).await?;
    let alice = signed_in(&server, "ana@example.com", "Ana", BrowserOptions::default()).await?;
    let bob = signed_in(&server, "ben@example.com", "Ben", phone()).await?;

    let first = "polling works just fine, thanks";
    alice.send_message(first).await?;
    bob.wait_for_message(first).await?;
    let second = "정말 다행이에요";
    bob.send_with_button(second).await?;
    alice.wait_for_message(second).await?;

    server.kill().await?;
    alice.wait_disconnected().await?;
    let offline = "sent while polling could not reach the server";
    alice.send_message(offline).await?;
    server.restart().await?;
    alice.wait_connected().await?;
    both_show(&alice, &bob, &[first, second, offline]).await?;

    alice.screenshot("chat-room-desktop-polling").await?;

    alice.close().await?;
    bob.close().await
}
