//! Driving the chat UI in end-to-end tests: opening a room, sending with the
//! keyboard, and reading what the message list shows.

use std::time::Duration;

use fantoccini::Locator;
use moodchat_protocol::limits::{REST_SENDS_BURST, REST_SENDS_PER_SECOND};
use serde_json::{json, Value};

use crate::{eventually, Browser, Server, Site};

/// WebDriver's Enter key.
pub const ENTER: &str = "\u{E007}";

impl Browser {
    /// Opens `/rooms/{room}` and waits until its title shows, the link to
    /// the server is up and the composer is there to type in.
    pub async fn open_room(&self, server: &impl Site, room: &str, title: &str) -> anyhow::Result<()> {
        self.client.goto(&server.url(&format!("/rooms/{room}"))).await?;
        self.wait_for_text(".page-room h1", title).await?;
        self.wait_connected().await?;
        self.composer().await.map(|_| ())
    }

    /// The composer's text area, once it is there: it is a code-split chunk
    /// of its own, fetched while the room's messages load.
    pub async fn composer(&self) -> anyhow::Result<fantoccini::elements::Element> {
        eventually("the composer", || async { self.client.find(Locator::Css("#composer-text")).await.ok() }).await
    }

    /// Waits until the header says the link to the server is up.
    pub async fn wait_connected(&self) -> anyhow::Result<()> {
        eventually("the connection to be up", || async { self.client.find(Locator::Css(".connection.ok")).await.ok() })
            .await
            .map(|_| ())
    }

    /// Waits until the header says messages arrive by polling.
    pub async fn wait_polling(&self) -> anyhow::Result<String> {
        self.wait_for_text(".connection.ok.polling", "").await
    }

    /// The header's connection status: its classes (`connection ok`,
    /// `connection ok polling`, `connection pending`, ...).
    pub async fn connection_class(&self) -> anyhow::Result<String> {
        let class = self.client.execute("return document.querySelector('.connection')?.className ?? ''", vec![]).await?;
        Ok(class.as_str().unwrap_or_default().to_owned())
    }

    /// Starts recording every change of the header's connection status, so
    /// a drop too short to be seen by polling the page is still caught.
    pub async fn record_connection_changes(&self) -> anyhow::Result<()> {
        self.client
            .execute(
                r#"window.__connectionChanges = [];
                const status = document.querySelector('.connection');
                new MutationObserver(() => window.__connectionChanges.push(status.className + ' ' + status.textContent))
                    .observe(status, { attributes: true, childList: true, characterData: true, subtree: true });"#,
                vec![],
            )
            .await?;
        Ok(())
    }

    /// What the connection status went through since `record_connection_changes`.
    pub async fn connection_changes(&self) -> anyhow::Result<Vec<String>> {
        let changes = self.client.execute("return window.__connectionChanges ?? null", vec![]).await?;
        let changes: Option<Vec<String>> = serde_json::from_value(changes)?;
        changes.ok_or_else(|| anyhow::anyhow!("connection changes are not being recorded (was the page reloaded?)"))
    }

    /// Waits until the header says the link is down and being retried.
    pub async fn wait_disconnected(&self) -> anyhow::Result<()> {
        eventually("the connection to be down", || async {
            self.client.find(Locator::Css(".connection.pending, .connection.down")).await.ok()
        })
        .await
        .map(|_| ())
    }

    /// Types `text` in the composer and presses Enter.
    pub async fn send_message(&self, text: &str) -> anyhow::Result<()> {
        self.composer().await?.send_keys(&format!("{text}{ENTER}")).await?;
        Ok(())
    }

    /// Types `text` in the composer and presses the send button (on a
    /// phone, where Enter starts a new line).
    pub async fn send_with_button(&self, text: &str) -> anyhow::Result<()> {
        self.composer().await?.send_keys(text).await?;
        self.client.find(Locator::Css(".composer .send")).await?.click().await?;
        Ok(())
    }

    /// The texts of the messages in the list, in order (every row is in the
    /// DOM when a room is short), with their mood emoji and send state.
    pub async fn messages(&self) -> anyhow::Result<Vec<ShownMessage>> {
        let rows = self
            .client
            .execute(
                r#"return [...document.querySelectorAll('.message-rows .message')].map(row => ({
                    text: row.querySelector('.message-text')?.textContent ?? '',
                    mood: row.querySelector('.mood')?.textContent ?? '',
                    pending: row.classList.contains('pending'),
                    failed: row.classList.contains('failed'),
                    key: row.dataset.key,
                }))"#,
                vec![],
            )
            .await?;
        let rows: Vec<Value> = serde_json::from_value(rows)?;
        Ok(rows
            .into_iter()
            .map(|row| ShownMessage {
                text: row["text"].as_str().unwrap_or_default().to_owned(),
                mood: row["mood"].as_str().unwrap_or_default().to_owned(),
                pending: row["pending"] == json!(true),
                failed: row["failed"] == json!(true),
                key: row["key"].as_str().unwrap_or_default().to_owned(),
            })
            .collect())
    }

    /// Starts a direct conversation from the room list: "message someone",
    /// types `search` and picks the first person found, then waits for the
    /// conversation's title `name`.
    pub async fn open_direct(&self, search: &str, name: &str) -> anyhow::Result<()> {
        // The room tools are a code-split chunk: wait for them.
        let tools = eventually("the room tools", || async {
            self.client.find(Locator::Css(".room-list-pane details:nth-of-type(2) > summary")).await.ok()
        })
        .await?;
        tools.click().await?;
        self.fill("#find-people", search).await?;
        let person = eventually(&format!("{name} among the people found"), || async {
            self.client.find(Locator::Css(".people .person")).await.ok()
        })
        .await?;
        person.click().await?;
        self.wait_for_text(".page-room h1", name).await.map(|_| ())
    }

    /// The room list's entry whose name is `name`, once it is listed.
    pub async fn room_entry(&self, name: &str) -> anyhow::Result<fantoccini::elements::Element> {
        eventually(&format!("{name} in the room list"), || async {
            for link in self.client.find_all(Locator::Css(".room-list .room-link")).await.ok()? {
                if link.find(Locator::Css(".room-name")).await.ok()?.text().await.ok()? == name {
                    return Some(link);
                }
            }
            None
        })
        .await
    }

    /// Opens the room `name` from the room list (the sidebar on a desktop)
    /// and waits for its title.
    pub async fn switch_to_room(&self, name: &str) -> anyhow::Result<()> {
        self.room_entry(name).await?.click().await?;
        self.wait_for_text(".page-room h1", name).await.map(|_| ())
    }

    /// Creates a room with the room list's "new room" tool; the app opens it.
    pub async fn create_room(&self, name: &str) -> anyhow::Result<()> {
        let tool = eventually("the new room tool", || async {
            self.client.find(Locator::Css(".room-list-pane details:nth-of-type(1) > summary")).await.ok()
        })
        .await?;
        tool.click().await?;
        self.fill("#new-room-name", name).await?;
        self.client.find(Locator::Css(".room-list-pane form button[type=submit]")).await?.click().await?;
        self.wait_for_text(".page-room h1", name).await.map(|_| ())
    }

    /// Waits until the composer's mood preview shows `emoji`, with the
    /// model's score in its tooltip.
    pub async fn wait_for_mood_preview(&self, emoji: &str) -> anyhow::Result<()> {
        eventually(&format!("the mood preview {emoji}"), || async {
            let preview = self.client.find(Locator::Css(".composer .mood-preview")).await.ok()?;
            let shown = preview.prop("textContent").await.ok()??;
            let title = preview.attr("title").await.ok()??;
            (shown == emoji && title.ends_with('%')).then_some(())
        })
        .await
    }

    /// What the composer holds now.
    pub async fn composer_text(&self) -> anyhow::Result<String> {
        Ok(self.composer().await?.prop("value").await?.unwrap_or_default())
    }

    /// Switches the theme with the header's switch (`light`, `dark`) and
    /// waits until it applies.
    pub async fn set_theme(&self, theme: &str) -> anyhow::Result<()> {
        // The header's switches are a code-split chunk: wait for them.
        self.wait_for_text(".theme-switch", "").await?;
        self.client
            .execute(
                "const s = document.querySelector('.theme-switch'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));",
                vec![theme.into()],
            )
            .await?;
        eventually("the theme to apply", || async {
            let value = self.client.execute("return document.documentElement.dataset.theme", vec![]).await.ok()?;
            (value.as_str() == Some(theme)).then_some(())
        })
        .await
    }

    /// Waits until a confirmed message with `text` shows, with its mood.
    pub async fn wait_for_message(&self, text: &str) -> anyhow::Result<ShownMessage> {
        eventually(&format!("the message {text:?} confirmed with its mood"), || async {
            self.messages().await.ok()?.into_iter().find(|m| m.text == text && !m.pending && !m.mood.is_empty())
        })
        .await
    }
}

static POSTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Posts `texts` to `room` in order over the REST API as the user whose ID
/// token is `token`, paced under the server's documented REST send rate (a
/// 429 is retried with the same client id, so it is never stored twice).
pub async fn post_messages(server: &Server, token: &str, room: &str, texts: &[String]) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let url = server.url(&format!("/api/rooms/{room}/messages"));
    let mut pace = tokio::time::interval(Duration::from_millis(1000 / REST_SENDS_PER_SECOND as u64 + 5));
    for (n, text) in texts.iter().enumerate() {
        if n as u32 >= REST_SENDS_BURST / 2 {
            pace.tick().await;
        }
        // Unique across calls: the server drops a send whose client id it has seen.
        let client_id = format!("posted-{}", POSTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        loop {
            let body = json!({ "client_id": client_id, "text": text });
            let response = http.post(&url).bearer_auth(token).json(&body).send().await?;
            match response.status().as_u16() {
                200 | 201 => break,
                429 => pace.tick().await,
                status => anyhow::bail!("posting message {n}: {status} {}", response.text().await?),
            };
        }
    }
    Ok(())
}

/// The texts of the confirmed messages, in order; fails the test when a
/// message shows twice (the same id in two rows).
pub fn confirmed(messages: &[ShownMessage]) -> Vec<String> {
    let mut keys: Vec<&str> = messages.iter().map(|m| m.key.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), messages.len(), "a message shows twice: {messages:?}");
    messages.iter().filter(|m| !m.pending && !m.failed).map(|m| m.text.clone()).collect()
}

/// A message as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownMessage {
    pub text: String,
    pub mood: String,
    pub pending: bool,
    pub failed: bool,
    /// The message id once confirmed (the client id while pending).
    pub key: String,
}
