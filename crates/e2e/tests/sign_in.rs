//! Signing in end to end: the real server (its Cognito-compatible identity
//! provider and dev outbox), the real app, headless Chromium. Covers sign-up
//! with a confirmation code, the route guard and the return to the page the
//! user asked for, staying signed in across a reload, token refresh, a
//! refused refresh (back to sign-in, drafts kept), sign out, and a wrong
//! password explained in English and Korean.

use fantoccini::Locator;
use moodchat_e2e::auth::{create_account, latest_code};
use moodchat_e2e::{eventually, Browser, Server};
use serde_json::json;

const PASSWORD: &str = "Corr3ct-horse!";

async fn submit(browser: &Browser) -> anyhow::Result<()> {
    browser.client.find(Locator::Css(".auth-form button[type=submit]")).await?.click().await?;
    Ok(())
}

#[tokio::test]
async fn sign_up_confirm_sign_in_reload_and_sign_out() -> anyhow::Result<()> {
    let server = Server::start(&[]).await?;
    let browser = Browser::start().await?;
    let email = "minji@example.com";

    // A guest asking for a room is sent to sign in; the room is remembered.
    browser.client.goto(&server.url("/rooms/lobby")).await?;
    browser.wait_for_path("/signin").await?;
    browser.wait_for_text(".page-sign-in h1", "Sign in").await?;
    browser.screenshot("sign-in-desktop").await?;

    // Sign up: the password hints follow the typing.
    browser.client.find(Locator::Css("a[href='/signup']")).await?.click().await?;
    browser.wait_for_text(".page-sign-up h1", "Create an account").await?;
    browser.fill("#email", email).await?;
    browser.fill("#name", "Minji").await?;
    browser.fill("#password", "short").await?;
    let unmet = browser.client.find_all(Locator::Css(".password-hints .rule.unmet")).await?.len();
    assert_eq!(unmet, 4, "'short' has only lowercase letters");
    browser.fill("#password", PASSWORD).await?;
    eventually("every password rule met", || async {
        browser.client.find_all(Locator::Css(".password-hints .rule.unmet")).await.ok()?.is_empty().then_some(())
    })
    .await?;
    let autocomplete = browser.client.find(Locator::Css("#password")).await?.attr("autocomplete").await?;
    assert_eq!(autocomplete.as_deref(), Some("new-password"));
    submit(&browser).await?;

    // Confirm with the code from the outbox; the email is carried over.
    browser.wait_for_text(".page-confirm h1", "Confirm your email").await?;
    let prefilled = browser.client.find(Locator::Css("#email")).await?.prop("value").await?;
    assert_eq!(prefilled.as_deref(), Some(email));
    let code = latest_code(&server, email, "confirm_sign_up").await?;
    browser.fill("#code", &code).await?;
    submit(&browser).await?;

    // Signed in at once, without typing the password again, and back at
    // the room asked for.
    browser.wait_for_text(".app-header .user-name", "Minji").await?;
    browser.wait_for_path("/rooms/lobby").await?;
    let id_token = browser.local_storage("moodchat.session.id_token").await?;
    assert!(id_token.is_some_and(|token| token.split('.').count() == 3), "the ID token is kept");

    // A reload keeps the session; signed in, /signin goes on to the rooms.
    browser.client.refresh().await?;
    browser.wait_for_text(".app-header .user-name", "Minji").await?;
    browser.wait_for_path("/rooms/lobby").await?;
    browser.client.goto(&server.url("/signin")).await?;
    browser.wait_for_path("/rooms/lobby").await?;

    // Sign out: back to sign-in, tokens forgotten, the refresh token revoked.
    let refresh_token = browser.local_storage("moodchat.session.refresh_token").await?.expect("a refresh token");
    browser.client.find(Locator::Css(".app-header .sign-out")).await?.click().await?;
    browser.wait_for_path("/signin").await?;
    assert_eq!(browser.local_storage("moodchat.session.id_token").await?, None);
    let config: serde_json::Value = reqwest::get(server.url("/config.json")).await?.json().await?;
    eventually("the provider to refuse the revoked refresh token", || async {
        let result = moodchat_e2e::auth::cognito(
            &server,
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": config["cognito"]["client_id"],
                   "AuthParameters": {"REFRESH_TOKEN": refresh_token}}),
        )
        .await;
        result.is_err().then_some(())
    })
    .await?;

    // A wrong password is explained, announced, and translated.
    browser.fill("#email", email).await?;
    browser.fill("#password", "Wr0ng-password!").await?;
    submit(&browser).await?;
    browser.wait_for_text(".page-sign-in .form-error[role=alert]", "The email or password is not right.").await?;
    browser.screenshot("sign-in-wrong-password").await?;
    browser.wait_for_text(".language-switch", "").await?;
    let language = browser.client.find(Locator::Css(".language-switch")).await?;
    language.select_by_value("ko").await?;
    browser.wait_for_text(".page-sign-in .form-error", "이메일 또는 비밀번호가 올바르지 않습니다.").await?;
    browser.wait_for_text(".page-sign-in h1", "로그인").await?;
    browser.screenshot("sign-in-wrong-password-ko").await?;

    browser.close().await
}

#[tokio::test]
async fn tokens_refresh_srp_runs_in_the_worker_and_a_refused_refresh_keeps_drafts() -> anyhow::Result<()> {
    // Five-second tokens: the app refreshes them every 2.5 s.
    let server = Server::start(&["--token-ttl", "5"]).await?;
    create_account(&server, "jun@example.com", "Jun", PASSWORD).await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, "jun@example.com", PASSWORD, "Jun").await?;
    browser.wait_for_path("/rooms/lobby").await?;

    let first = browser.local_storage("moodchat.session.id_token").await?.expect("signed in");
    let mut tokens = vec![first];
    for _ in 0..2 {
        let previous = tokens.last().cloned();
        let next = eventually("a refreshed ID token", || async {
            let now = browser.local_storage("moodchat.session.id_token").await.ok()??;
            (Some(&now) != previous.as_ref()).then_some(now)
        })
        .await?;
        tokens.push(next);
    }
    // Still signed in, well past the first token's expiry.
    browser.wait_for_text(".app-header .user-name", "Jun").await?;
    assert!(browser.local_storage("moodchat.session.refresh_token").await?.is_some());

    // The SRP computation in the browser: the worker's round trips (start:
    // A = g^a; verify: the session key and proof), timed five times.
    let timings = browser
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            const worker = new Worker(arguments[0]);
            const next = () => new Promise(resolve => worker.onmessage = event => resolve(event.data));
            const hex = n => Array.from(crypto.getRandomValues(new Uint8Array(n)), b => (b | 16).toString(16)).join("");
            (async () => {
                await next(); // ready
                const runs = [];
                for (let i = 0; i < 5; i++) {
                    const start = performance.now();
                    worker.postMessage({op: "start", pool_id: "local_moodchat", client_id: "web", username: "u", password: "p"});
                    await next();
                    worker.postMessage({op: "verify", secret_block: btoa("block"), user_id_for_srp: "u", salt: hex(16), srp_b: hex(384)});
                    const proof = await next();
                    if (proof.op !== "verified") throw new Error(JSON.stringify(proof));
                    runs.push(performance.now() - start);
                }
                worker.terminate();
                done(runs);
            })().catch(error => done(String(error)));"#,
            vec![json!(moodchat_e2e::server::worker_url("moodchat-srp-worker")?)],
        )
        .await?;
    let mut runs: Vec<f64> = serde_json::from_value(timings.clone()).map_err(|_| anyhow::anyhow!("{timings}"))?;
    runs.sort_by(f64::total_cmp);
    println!("SRP in the worker (start + verify), ms: {runs:?}; median {:.1}", runs[runs.len() / 2]);
    assert!(runs.iter().all(|ms| *ms > 0.0));

    // The session ends elsewhere (signed out everywhere): the next refresh is
    // refused, and the app goes back to sign-in with the page and the draft kept.
    browser.client.goto(&server.url("/rooms/lobby")).await?;
    browser.wait_for_path("/rooms/lobby").await?;
    browser.client.execute("localStorage.setItem('moodchat.draft.lobby', 'half a thought')", vec![]).await?;
    let access_token = browser.local_storage("moodchat.session.access_token").await?.expect("an access token");
    moodchat_e2e::auth::cognito(&server, "GlobalSignOut", json!({"AccessToken": access_token})).await?;
    browser.wait_for_path("/signin").await?;
    browser.wait_for_text(".page-sign-in .notice", "Your session has ended").await?;
    assert_eq!(browser.local_storage("moodchat.session.refresh_token").await?, None);
    assert_eq!(browser.local_storage("moodchat.draft.lobby").await?.as_deref(), Some("half a thought"));
    browser.fill("#email", "jun@example.com").await?;
    browser.fill("#password", PASSWORD).await?;
    submit(&browser).await?;
    browser.wait_for_path("/rooms/lobby").await?;
    assert_eq!(browser.local_storage("moodchat.draft.lobby").await?.as_deref(), Some("half a thought"));

    browser.close().await
}
