//! The app shell end to end: the real server serves the real SPA, headless
//! Chromium renders it.

use fantoccini::Locator;
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::auth::create_account;
use moodchat_e2e::{Browser, Server};

/// The rooms need a session: each test signs in as a fresh account first.
async fn sign_in(server: &Server, browser: &Browser) -> anyhow::Result<()> {
    create_account(server, "shell@example.com", "Shell", "Shell-pass1!").await?;
    browser.sign_in(server, "shell@example.com", "Shell-pass1!", "Shell").await
}

#[tokio::test]
async fn the_shell_renders_routes_and_survives_unknown_paths() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    let browser = Browser::start().await?;
    sign_in(&server, &browser).await?;

    browser.client.goto(&server.url("/")).await?;
    browser.wait_for_text(".app-header .brand", "moodchat").await?;
    // "/" redirects to the room list.
    browser.wait_for_text(".page-rooms h1", "Rooms").await?;
    assert!(browser.client.current_url().await?.path().ends_with("/rooms"));

    // Client-side navigation into a room.
    browser.client.find(Locator::Css(".room-link")).await?.click().await?;
    browser.wait_for_text(".page-room h1", "Lobby").await?;
    browser.screenshot("shell-room-desktop").await?;

    // A deep link is served by the SPA fallback and routed client-side.
    browser.client.goto(&server.url("/rooms/lobby")).await?;
    browser.wait_for_text(".page-room h1", "Lobby").await?;

    // An unknown route shows the not-found page, not a blank one.
    browser.client.goto(&server.url("/no/such/page")).await?;
    browser.wait_for_text(".page-not-found h1", "Page not found").await?;

    browser.close().await
}

#[tokio::test]
async fn korean_browsers_get_korean_on_a_phone_sized_screen() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    let browser = Browser::start_with(BrowserOptions { width: 360, height: 740, language: "ko-KR".into() }).await?;
    sign_in(&server, &browser).await?;
    browser.client.goto(&server.url("/rooms")).await?;
    browser.wait_for_text(".page-rooms h1", "대화방").await?;
    browser.wait_for_text(".room-list", "로비").await?;
    let lang = browser.client.find(Locator::Css("html")).await?.attr("lang").await?;
    assert_eq!(lang.as_deref(), Some("ko"));
    // Nothing overflows a 360 px screen horizontally.
    let overflow = browser
        .client
        .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth", vec![])
        .await?;
    assert_eq!(overflow.as_i64(), Some(0), "horizontal overflow on a phone");
    browser.screenshot("shell-rooms-phone-ko").await?;

    // The theme switch really changes the colours (CSS light-dark() pairs).
    let body_background = r#"return getComputedStyle(document.body).backgroundColor"#;
    let light = browser.client.execute(body_background, vec![]).await?;
    assert_eq!(light.as_str(), Some("rgb(246, 247, 249)"));
    // The header's switches are a code-split chunk: wait for them.
    browser.wait_for_text(".theme-switch", "").await?;
    browser
        .client
        .execute(
            r#"const s = document.querySelector('.theme-switch'); s.value = 'dark';
               s.dispatchEvent(new Event('change'));"#,
            vec![],
        )
        .await?;
    moodchat_e2e::eventually("the dark background", || async {
        let now = browser.client.execute(body_background, vec![]).await.ok()?;
        (now.as_str() == Some("rgb(17, 19, 24)")).then_some(())
    })
    .await?;
    browser.screenshot("shell-rooms-phone-ko-dark").await?;
    browser.close().await
}

#[tokio::test]
async fn the_server_serves_wasm_with_its_type_and_long_caching() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    let http = reqwest::Client::new();
    let index = http.get(server.url("/")).send().await?.text().await?;
    let wasm_path = index
        .split(['\'', '"', ' ', '=', '>'])
        .find(|part| part.ends_with("_bg.wasm"))
        .expect("index.html references the wasm bundle")
        .to_owned();
    let html = http.get(server.url("/rooms")).send().await?;
    let csp = html.headers()["content-security-policy"].to_str()?.to_owned();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{csp}");
    assert!(!index.contains("<script type=module>") && !index.contains("<script type=\"module\">"), "no inline script: the CSP forbids it");

    let response = http.get(server.url(&wasm_path)).send().await?;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/wasm");
    assert!(response.headers()["cache-control"].to_str()?.contains("immutable"));

    let config: serde_json::Value = http.get(server.url("/config.json")).send().await?.json().await?;
    assert_eq!(config["api_url"], "/api");
    assert_eq!(config["cognito"]["user_pool_id"], "local_moodchat");

    let health = http.get(server.url("/api/health")).send().await?;
    assert_eq!(health.status(), 200);

    let missing = http.get(server.url("/missing-0123456789abcdef_bg.wasm")).send().await?;
    assert_eq!(missing.status(), 404, "a missing asset must not fall back to index.html");
    Ok(())
}

#[tokio::test]
async fn the_server_sends_the_app_compressed_and_never_the_page_for_api_paths() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    let http = reqwest::Client::new();
    let browser_encodings = "gzip, deflate, br, zstd";
    let index = http.get(server.url("/rooms/lobby")).header("accept-encoding", browser_encodings).send().await?;
    assert_eq!(index.headers()["content-encoding"], "br");
    assert_eq!(index.headers()["cache-control"], "no-cache");
    assert_eq!(index.headers()["vary"], "accept-encoding");

    // The mood worker (2 MB of wasm, nearly all weights): hashed, cached for
    // a year, sent as brotli, or gzip to a client that takes only that.
    let worker = moodchat_e2e::server::worker_url("moodchat-mood-worker")?;
    let wasm = worker.replace("_loader.js", "_bg.wasm");
    let raw = http.head(server.url(&wasm)).header("accept-encoding", "identity").send().await?;
    let raw_size: u64 = raw.headers()["content-length"].to_str()?.parse()?;
    for (accepted, encoding) in [(browser_encodings, "br"), ("gzip", "gzip")] {
        let answer = http.get(server.url(&wasm)).header("accept-encoding", accepted).send().await?;
        assert_eq!(answer.status(), 200, "{wasm}");
        assert_eq!(answer.headers()["content-encoding"], encoding);
        assert_eq!(answer.headers()["content-type"], "application/wasm");
        assert!(answer.headers()["cache-control"].to_str()?.contains("immutable"));
        let size = answer.bytes().await?.len() as u64;
        assert!(size < raw_size * 2 / 3, "{encoding}: {size} B of {raw_size}");
    }
    let loader = http.get(server.url(&worker)).send().await?;
    assert_eq!(loader.status(), 200, "{worker}");
    assert!(loader.headers()["cache-control"].to_str()?.contains("immutable"));

    // The API never falls back to the app's page, whatever the path looks like.
    for path in ["/api", "/api/", "/api/nope", "/api/rooms/lobby/nope.wasm", "/api/index.html"] {
        let answer = http.get(server.url(path)).header("accept", "text/html").send().await?;
        assert_eq!(answer.status(), 404, "{path}");
        assert_eq!(answer.headers()["content-type"], "application/json", "{path}");
        let body = answer.text().await?;
        assert!(!body.contains("<html") && !body.contains("<!doctype"), "{path}: {body}");
    }
    Ok(())
}
