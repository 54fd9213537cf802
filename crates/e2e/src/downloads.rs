//! What the browser really downloads, measured from outside the app: the
//! real `moodchat serve` and the built app, in headless Chromium on an
//! emulated network, counted from the browser's own record of its traffic
//! (`NetworkLog` through `DevTools`: every request of the page and of its
//! web workers, its bytes as they crossed the network, headers included). Four loads, each in a fresh server with a room of
//! `MESSAGES.len()` messages:
//!
//! - a first visit (empty cache, nobody signed in), until the sign-in form
//!   is usable;
//! - a signed-in cold reload of the room (empty HTTP cache, the session
//!   kept), until the first message shows;
//! - the mood worker's first load, from typing in the composer until the
//!   preview shows the text's mood;
//! - a signed-in warm reload (everything cached), until the first message
//!   shows: what caching saves.
//!
//! A load counts every request started before its moment, each with all its
//! bytes, also those that arrive after the moment (they shared the network
//! with what the moment waited for). WebSocket traffic is not counted.
//!
//! `scripts/download-bench.sh` prints these figures (src/bin/download_bench.rs);
//! tests/downloads.rs guards them.

use std::time::Duration;

use anyhow::Context;
use serde_json::json;

use crate::auth::create_account;
use crate::devtools::DevTools;
use crate::moments::{Moment, MOMENTS_SCRIPT};
use crate::network::NetworkProfile;
use crate::network_log::Request;
use crate::{eventually_within, Browser, Server};

/// How long one load may take on the emulated network before it is an error.
const LIMIT: Duration = Duration::from_secs(90);

/// The room the signed-in loads open: (id, title).
pub const ROOM: (&str, &str) = ("lobby", "Lobby");

/// What the room holds when it is reloaded: a day's chat, English and Korean.
pub const MESSAGES: [&str; 20] = [
    "Good morning! Anyone up yet?",
    "좋은 아침이에요 ☀️",
    "I finally finished the report, what a relief",
    "수고했어요! 정말 대단해요",
    "The train was late again, so annoying",
    "아 진짜 짜증나네요 ㅠㅠ",
    "Lunch at the new noodle place?",
    "좋아요, 12시 반 어때요?",
    "Perfect, see you there",
    "오늘 날씨 너무 좋다",
    "The meeting moved to 3 pm",
    "알겠어요, 회의실은 그대로인가요?",
    "Yes, same room as last week",
    "I lost my umbrella somewhere, terrible day",
    "헐 어떡해요... 제 우산 빌려드릴게요",
    "You are the best, thank you so much!",
    "천만에요 😊",
    "Did anyone see the game last night?",
    "봤어요! 마지막 골 대박이었어요 ㅋㅋㅋ",
    "What a match. Best one this season",
];

const PASSWORD: &str = "Corr3ct-horse!";

/// One measured load.
#[derive(Clone, Debug)]
pub struct Load {
    /// Every HTTP request started before the moment.
    pub requests: Vec<Request>,
    /// The moment, in milliseconds since the load began (navigation start,
    /// or the first keystroke for the mood worker).
    pub moment_ms: f64,
}

impl Load {
    /// Bytes received from the network, headers included.
    pub fn bytes(&self) -> u64 {
        self.requests.iter().map(|request| request.bytes).sum()
    }

    /// Of `bytes`, the answers' status lines and headers.
    pub fn header_bytes(&self) -> u64 {
        self.requests.iter().map(|request| request.header_bytes).sum()
    }

    /// Requests that went to the network (not answered by the cache).
    pub fn network_requests(&self) -> usize {
        self.requests.iter().filter(|request| !request.from_cache).count()
    }
}

/// The four loads of one run.
#[derive(Clone, Debug)]
pub struct Downloads {
    pub first_visit: Load,
    pub cold_reload: Load,
    pub mood_worker: Load,
    pub warm_reload: Load,
}

impl Downloads {
    /// The loads with what each measures, in report order.
    pub fn loads(&self) -> [(&'static str, &Load); 4] {
        [
            ("first visit, until the sign-in form is usable", &self.first_visit),
            ("signed-in cold reload, until the first message shows", &self.cold_reload),
            ("mood worker's first load, from typing until the mood shows", &self.mood_worker),
            ("signed-in warm reload, until the first message shows", &self.warm_reload),
        ]
    }
}

/// Measures the four loads on `profile`, against a server of its own.
pub async fn measure(profile: NetworkProfile) -> anyhow::Result<Downloads> {
    let server = Server::start(&[]).await?;
    let first_visit = first_visit(&server, profile).await?;
    let (browser, devtools) = in_a_room_with_messages(&server).await?;
    let room = server.url(&format!("/rooms/{}", ROOM.0));
    devtools.clear_http_cache().await?;
    let cold_reload = load(&browser, &devtools, &room, profile, Moment::FirstMessage).await?;
    let mood_worker = mood_worker_first_load(&browser, &devtools, profile).await?;
    let warm_reload = load(&browser, &devtools, &room, profile, Moment::FirstMessage).await?;
    drop(devtools);
    browser.close().await?;
    Ok(Downloads { first_visit, cold_reload, mood_worker, warm_reload })
}

/// A new browser (empty cache, no session) watched by DevTools.
async fn watched_browser() -> anyhow::Result<(Browser, DevTools)> {
    let browser = Browser::start().await?;
    let devtools = browser.devtools().await?;
    devtools.run_before_each_document(MOMENTS_SCRIPT).await?;
    Ok((browser, devtools))
}

async fn first_visit(server: &Server, profile: NetworkProfile) -> anyhow::Result<Load> {
    let (browser, devtools) = watched_browser().await?;
    let load = load(&browser, &devtools, &server.url("/"), profile, Moment::SignInUsable).await?;
    drop(devtools);
    browser.close().await?;
    Ok(load)
}

/// A signed-in browser in `ROOM`, which holds `MESSAGES`, on the full-speed
/// network.
async fn in_a_room_with_messages(server: &Server) -> anyhow::Result<(Browser, DevTools)> {
    let (email, name) = ("reader@example.com", "Reader");
    create_account(server, email, name, PASSWORD).await?;
    let (browser, devtools) = watched_browser().await?;
    browser.sign_in(server, email, PASSWORD, name).await?;
    let token = browser.local_storage("moodchat.session.id_token").await?.context("no id token after signing in")?;
    let http = reqwest::Client::new();
    for (number, text) in MESSAGES.iter().enumerate() {
        let response = http
            .post(server.url(&format!("/api/rooms/{}/messages", ROOM.0)))
            .bearer_auth(&token)
            .json(&json!({ "client_id": format!("bench-{number}"), "text": text }))
            .send()
            .await?;
        anyhow::ensure!(response.status().is_success(), "posting a message: {}", response.status());
    }
    browser.open_room(server, ROOM.0, ROOM.1).await?;
    Ok((browser, devtools))
}

/// Opens `url` on `profile` and waits for `moment`.
async fn load(browser: &Browser, devtools: &DevTools, url: &str, profile: NetworkProfile, moment: Moment) -> anyhow::Result<Load> {
    devtools.emulate_network(profile).await?;
    devtools.take_network_log()?; // what came before is not this load's
    browser.client.goto(url).await?;
    let at = browser.wait_for_moment(moment, LIMIT).await?;
    let start = browser.navigation_start().await?;
    let requests = finished(devtools, f64::MIN, at).await?;
    Ok(Load { requests, moment_ms: at - start })
}

async fn mood_worker_first_load(browser: &Browser, devtools: &DevTools, profile: NetworkProfile) -> anyhow::Result<Load> {
    devtools.emulate_network(profile).await?;
    devtools.take_network_log()?;
    let typed = browser.page_now().await?;
    browser.fill("#composer-text", "I love this, what a wonderful day").await?;
    let at = browser.wait_for_moment(Moment::MoodPreview, LIMIT).await?;
    let requests = finished(devtools, typed, at).await?;
    Ok(Load { requests, moment_ms: at - typed })
}

/// The requests started between `from` and `until`, once each has ended.
async fn finished(devtools: &DevTools, from: f64, until: f64) -> anyhow::Result<Vec<Request>> {
    let within = |request: &&Request| request.started_at >= from && request.started_at < until;
    eventually_within(LIMIT, "the requests of the load to end", || async {
        let requests: Vec<Request> = devtools.with_network_log(|log| log.requests().iter().filter(within).cloned().collect());
        requests.iter().all(|request| request.finished_at.is_some()).then_some(requests)
    })
    .await
    .with_context(|| {
        let in_flight: Vec<String> = devtools.with_network_log(|log| {
            log.requests().iter().filter(within).filter(|r| r.finished_at.is_none()).map(|r| r.path().to_owned()).collect()
        });
        format!("still in flight: {in_flight:?}")
    })
}

impl std::fmt::Display for Load {
    /// `12 requests, 150,123 B in 2.31 s`, and each request, one a line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} requests ({} to the network), {} B ({} B of headers), moment at {:.2} s",
            self.requests.len(),
            self.network_requests(),
            thousands(self.bytes()),
            thousands(self.header_bytes()),
            self.moment_ms / 1000.0
        )?;
        let start = self.requests.first().map_or(0.0, |request| request.started_at);
        for request in &self.requests {
            let end = request.finished_at.map_or(String::from("-"), |end| format!("{:.0}", end - start));
            let source = if request.from_cache { "cache" } else { request.encoding.as_str() };
            writeln!(
                f,
                "  {:>6.0} {:>6} ms  {:>3}  {:<5} {:>9} B  {}",
                request.started_at - start,
                end,
                request.status,
                source,
                thousands(request.bytes),
                request.path()
            )?;
        }
        Ok(())
    }
}

/// 1234567 -> "1,234,567".
pub fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn groups_digits_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(594_331), "594,331");
        assert_eq!(thousands(1_013_269), "1,013,269");
    }
}
