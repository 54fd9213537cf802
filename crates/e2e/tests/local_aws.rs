//! The same built app on the serverless home, run locally (LocalStack:
//! infra/template.yaml through the local gateway, crates/aws's real Lambda
//! binaries, DynamoDB Local, moto, the identity provider as Cognito), only
//! its config.json different. The app is on an origin of its own, as on
//! Amplify Hosting, so every API call is a cross-origin request under the
//! template's CORS. Two people sign up and sign in by SRP, chat in the lobby
//! live with a mood on every message, one shares an image (a presigned PUT
//! straight into the bucket under the template's CORS rules, then the image
//! pipeline) that both see, one reloads and sees the history, and when the
//! gateway drops a socket the app reconnects and resumes: nothing lost,
//! nothing twice. Then a direct conversation, and a third person whose
//! network blocks WebSockets chatting by polling.

use fantoccini::Locator;
use moodchat_e2e::auth::{create_account, latest_code};
use moodchat_e2e::browser::BrowserOptions;
use moodchat_e2e::chat::confirmed;
use moodchat_e2e::images::{attach_tiny_png, loaded_image};
use moodchat_e2e::{eventually, Browser, LocalStack, Site};

const PASSWORD: &str = "Corr3ct-horse!";
const MOODS: [&str; 3] = ["😊", "😐", "😞"];

/// A browser behind a proxy that blocks WebSockets: each one fails before
/// it opens (`error`, then `close` with 1006), as a refused handshake does.
/// (DevTools' `Network.setBlockedURLs` does not apply to WebSockets.)
const SOCKETS_THAT_NEVER_OPEN: &str = r#"
window.WebSocket = class BlockedWebSocket extends EventTarget {
  static CONNECTING = 0; static OPEN = 1; static CLOSING = 2; static CLOSED = 3;
  constructor(url) {
    super();
    this.url = url;
    this.readyState = 0;
    setTimeout(() => {
      this.readyState = 3;
      const error = new Event('error');
      if (this.onerror) this.onerror(error);
      this.dispatchEvent(error);
      const close = new CloseEvent('close', { code: 1006, wasClean: false });
      if (this.onclose) this.onclose(close);
      this.dispatchEvent(close);
    }, 20);
  }
  send() { throw new DOMException('the socket is not open', 'InvalidStateError'); }
  close() {}
};
"#;

/// Signs up through the app's own pages: Cognito's SignUp, the code from
/// the provider's outbox, then the app signs in by SRP.
async fn sign_up_in_the_app(browser: &Browser, stack: &LocalStack, email: &str, name: &str) -> anyhow::Result<()> {
    browser.client.goto(&stack.url("/signup")).await?;
    browser.wait_for_text(".page-sign-up h1", "Create an account").await?;
    browser.fill("#email", email).await?;
    browser.fill("#name", name).await?;
    browser.fill("#password", PASSWORD).await?;
    browser.client.find(Locator::Css(".auth-form button[type=submit]")).await?.click().await?;
    browser.wait_for_text(".page-confirm h1", "Confirm your email").await?;
    let code = latest_code(stack, email, "confirm_sign_up").await?;
    browser.fill("#code", &code).await?;
    browser.client.find(Locator::Css(".auth-form button[type=submit]")).await?.click().await?;
    browser.wait_for_text(".app-header .user-name", name).await.map(|_| ())
}

/// Waits until `browser` shows exactly `expected`, confirmed, in order,
/// each once, each with a mood.
async fn shows(browser: &Browser, expected: &[&str]) -> anyhow::Result<()> {
    eventually(&format!("exactly the messages {expected:?}"), || async {
        let shown = browser.messages().await.ok()?;
        let moods_ok = shown.iter().all(|m| MOODS.contains(&m.mood.as_str()));
        (confirmed(&shown) == expected && shown.len() == expected.len() && moods_ok).then_some(())
    })
    .await
}

/// The one open connection that is not in `known`, once there is exactly one.
async fn new_connection(stack: &LocalStack, known: &[String]) -> anyhow::Result<String> {
    eventually("one new WebSocket connection at the gateway", || async {
        let fresh: Vec<String> = stack.connections().await.ok()?.into_iter().filter(|id| !known.contains(id)).collect();
        (fresh.len() == 1).then(|| fresh[0].clone())
    })
    .await
}

/// The bucket's CORS, as the template sets it: a browser's preflight for a
/// PUT from the app's origin is allowed, from any other origin refused (S3's
/// 403), so the upload above went through the template's rule, not an open
/// door.
async fn bucket_answers_only_the_app_origin(stack: &LocalStack, image_url: &str) -> anyhow::Result<()> {
    let app_origin = stack.url("");
    let preflight = |origin: &str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, image_url)
            .header("origin", origin)
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight(&app_origin).await?;
    assert_eq!(allowed.status(), 200, "the app's preflight");
    let allowed_origin = allowed.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok());
    assert_eq!(allowed_origin, Some(app_origin.as_str()));
    let refused = preflight("https://elsewhere.example").await?;
    assert_eq!(refused.status(), 403, "another origin's preflight");
    assert!(refused.headers().get("access-control-allow-origin").is_none());
    Ok(())
}

#[tokio::test]
async fn two_people_chat_and_share_an_image_through_the_local_serverless_stack_and_resume_after_a_drop(
) -> anyhow::Result<()> {
    let stack = LocalStack::start().await?;
    // The app's config is the template's Outputs, at the gateway, and the
    // app itself is elsewhere: every API call is cross-origin.
    let api_url = stack.config["api_url"].as_str().unwrap_or_default().to_owned();
    assert!(api_url.starts_with(&stack.gateway_url), "api_url {api_url} is the gateway's");
    assert!(!stack.url("/").starts_with(&stack.gateway_url), "the app has an origin of its own");

    let options = BrowserOptions { width: 1280, height: 1200, language: "en-US".into() };
    let ana = Browser::start_with(options.clone()).await?;
    sign_up_in_the_app(&ana, &stack, "ana@example.com", "Ana").await?;
    ana.open_room(&stack, "lobby", "Lobby").await?;
    let ana_connection = new_connection(&stack, &[]).await?;

    // Bo's account exists already; he signs in on the sign-in page (SRP).
    create_account(&stack, "bo@example.com", "Bo", PASSWORD).await?;
    let bo = Browser::start_with(options.clone()).await?;
    bo.sign_in(&stack, "bo@example.com", PASSWORD, "Bo").await?;
    bo.open_room(&stack, "lobby", "Lobby").await?;

    // Live in both directions through ws-default's pushes, each with its
    // mood from the model compiled into the functions.
    let hello = "I love this, what a wonderful day!";
    ana.send_message(hello).await?;
    let seen = bo.wait_for_message(hello).await?;
    assert_eq!(seen.mood, "😊", "the positive model label");
    let reply = "this is terrible, I hate waiting";
    bo.send_message(reply).await?;
    assert_eq!(ana.wait_for_message(reply).await?.mood, "😞", "the negative model label");
    ana.wait_for_text(".presence", "Bo").await?;

    // An image: the app PUTs it to the presigned URL of its ticket, across
    // origins into the bucket; the gateway's S3 notice runs the image
    // pipeline, and both browsers load the stored image from the bucket.
    let _file = attach_tiny_png(&ana).await?;
    let picture = "a tiny red picture";
    ana.send_message(picture).await?;
    bo.wait_for_message(picture).await?;
    let (image_url, width) = loaded_image(&bo).await?;
    assert_eq!(width, 4, "Bo's browser decoded the 4×3 image from {image_url}");
    assert_eq!(loaded_image(&ana).await?.1, 4, "and so did Ana's");
    ana.screenshot("aws-local-lobby-live").await?;
    bucket_answers_only_the_app_origin(&stack, &image_url).await?;

    // A reload shows the history (the HTTP API's history from DynamoDB).
    bo.client.refresh().await?;
    bo.wait_for_text(".page-room h1", "Lobby").await?;
    bo.wait_connected().await?;
    shows(&bo, &[hello, reply, picture]).await?;
    assert_eq!(loaded_image(&bo).await?.1, 4, "the image is in the history too");

    // The gateway drops Bo's socket (DeleteConnection, as API Gateway closes
    // one at its 2-hour or idle limit); Ana writes on at once. Bo's app
    // reconnects with `since` and shows each message once, in order,
    // whether it came before or after his reconnect.
    let bo_connection = eventually("Bo's connection", || async {
        let others: Vec<String> = stack.connections().await.ok()?.into_iter().filter(|id| *id != ana_connection).collect();
        (others.len() == 1).then(|| others[0].clone())
    })
    .await?;
    bo.record_connection_changes().await?;
    stack.drop_connection(&bo_connection).await?;
    let meanwhile = ["did the link just drop?", "one more while you were away", "and a third"];
    for text in meanwhile {
        ana.send_message(text).await?;
    }
    let reconnected = new_connection(&stack, &[ana_connection.clone(), bo_connection.clone()]).await?;
    assert_ne!(reconnected, bo_connection);
    bo.wait_connected().await?;
    let changes = bo.connection_changes().await?;
    assert!(changes.iter().any(|c| !c.contains(" ok")), "Bo's app saw the drop: {changes:?}");
    let everything = [hello, reply, picture, meanwhile[0], meanwhile[1], meanwhile[2]];
    shows(&bo, &everything).await?;
    shows(&ana, &everything).await?;
    assert!(!stack.connections().await?.contains(&bo_connection), "the dropped connection is gone");
    bo.screenshot("aws-local-resumed-after-drop").await?;

    // And he still talks live after the reconnect.
    let back = "back, and nothing missing";
    bo.send_message(back).await?;
    ana.wait_for_message(back).await?;

    // A direct conversation: Bo finds Ana by name and writes to her; her
    // open app learns of the conversation live (the functions subscribe her
    // connections to it) and shows it in her list.
    bo.open_direct("An", "Ana").await?;
    let private = "just between us: the demo moved to 3pm";
    bo.send_message(private).await?;
    bo.wait_for_message(private).await?;
    ana.room_entry("Bo").await?.click().await?;
    ana.wait_for_text(".page-room h1", "Bo").await?;
    assert_eq!(ana.wait_for_message(private).await?.text, private);
    bo.screenshot("aws-local-direct").await?;

    // Polling: Cy's network lets no WebSocket through (as some proxies do:
    // every socket fails before it opens, as the browser reports it then),
    // so the app's `auto` transport falls back to polling the HTTP API; she
    // gets the lobby's history, what Ana writes with her next poll, and what
    // she writes reaches the others live.
    create_account(&stack, "cy@example.com", "Cy", PASSWORD).await?;
    let cy = Browser::start_with(options).await?;
    let devtools = cy.devtools().await?;
    devtools.run_before_each_document(SOCKETS_THAT_NEVER_OPEN).await?;
    cy.sign_in(&stack, "cy@example.com", PASSWORD, "Cy").await?;
    cy.open_room(&stack, "lobby", "Lobby").await?;
    cy.wait_polling().await?;
    let lobby = [hello, reply, picture, meanwhile[0], meanwhile[1], meanwhile[2], back];
    shows(&cy, &lobby).await?;
    ana.switch_to_room("Lobby").await?;
    let to_cy = "welcome Cy, polling or not";
    ana.send_message(to_cy).await?;
    cy.wait_for_message(to_cy).await?;
    let from_cy = "thanks, it works through the proxy";
    cy.send_message(from_cy).await?;
    ana.wait_for_message(from_cy).await?;
    assert!(cy.connection_class().await?.contains("polling"), "Cy still polls");
    cy.screenshot("aws-local-polling").await?;

    cy.close().await?;
    ana.close().await?;
    bo.close().await
}
