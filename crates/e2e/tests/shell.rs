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
