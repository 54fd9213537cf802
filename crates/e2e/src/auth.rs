//! Accounts for end-to-end tests: the dev outbox of the embedded identity
//! provider (where confirmation and reset codes land instead of email),
//! creating accounts through its Cognito API, and signing in through the UI.

use anyhow::Context;
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::{eventually, Browser, Site};

/// The newest code sent to `email` for `purpose` (`confirm_sign_up` or
/// `forgot_password`), waiting for it to arrive. Needs the server's dev
/// outbox (`--dev-outbox`, which the harness passes).
pub async fn latest_code(server: &impl Site, email: &str, purpose: &str) -> anyhow::Result<String> {
    let http = reqwest::Client::new();
    let url = server.idp_url("/outbox");
    eventually(&format!("a {purpose} code for {email} in the outbox"), || async {
        let outbox: Value = http.get(&url).query(&[("email", email)]).send().await.ok()?.json().await.ok()?;
        outbox["messages"]
            .as_array()?
            .iter()
            .rev()
            .find(|message| message["purpose"] == purpose)
            .and_then(|message| message["code"].as_str())
            .map(str::to_owned)
    })
    .await
}

/// Calls one operation of the provider's Cognito JSON API.
pub async fn cognito(server: &impl Site, operation: &str, body: Value) -> anyhow::Result<Value> {
    let response = reqwest::Client::new()
        .post(server.idp_url("/"))
        .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{operation}"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await?;
    let status = response.status();
    let answer: Value = response.json().await.context("a JSON answer")?;
    anyhow::ensure!(status.is_success(), "{operation}: {status} {answer}");
    Ok(answer)
}

/// Creates a confirmed account (sign-up, then the code from the outbox).
pub async fn create_account(server: &impl Site, email: &str, name: &str, password: &str) -> anyhow::Result<()> {
    let config: Value = reqwest::get(server.url("/config.json")).await?.json().await?;
    let client_id = config["cognito"]["client_id"].as_str().context("client_id")?.to_owned();
    let answer = cognito(
        server,
        "SignUp",
        json!({"ClientId": client_id, "Username": email, "Password": password,
               "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": name}]}),
    )
    .await?;
    if answer["UserConfirmed"] != true {
        let code = latest_code(server, email, "confirm_sign_up").await?;
        cognito(server, "ConfirmSignUp", json!({"ClientId": client_id, "Username": email, "ConfirmationCode": code}))
            .await?;
    }
    Ok(())
}

/// A new person, ready to chat: an account made, signed in from a browser
/// started with `options`, in the lobby (titled `lobby` in their language).
pub async fn signed_in(
    server: &impl Site,
    email: &str,
    name: &str,
    password: &str,
    options: crate::browser::BrowserOptions,
    lobby: &str,
) -> anyhow::Result<Browser> {
    create_account(server, email, name, password).await?;
    let browser = Browser::start_with(options).await?;
    browser.sign_in(server, email, password, name).await?;
    browser.open_room(server, "lobby", lobby).await?;
    Ok(browser)
}

impl Browser {
    /// Replaces the text of the input matching `css`.
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        // Waits for the field: the sign-in pages and the composer are
        // code-split chunks that arrive just after the route changes.
        let input = crate::eventually(&format!("the field {css}"), || async { self.client.find(Locator::Css(css)).await.ok() })
            .await?;
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Waits until the page's path is `path`.
    pub async fn wait_for_path(&self, path: &str) -> anyhow::Result<()> {
        eventually(&format!("the path {path}"), || async {
            (self.client.current_url().await.ok()?.path() == path).then_some(())
        })
        .await
    }

    /// A value from the page's localStorage.
    pub async fn local_storage(&self, key: &str) -> anyhow::Result<Option<String>> {
        let value = self.client.execute("return localStorage.getItem(arguments[0])", vec![json!(key)]).await?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// Signs in through the sign-in page (opened at `/signin`) and waits for
    /// the header to hold the user's name (hidden on the narrowest phones,
    /// so read as textContent, not as visible text).
    pub async fn sign_in(&self, server: &impl Site, email: &str, password: &str, name: &str) -> anyhow::Result<()> {
        self.client.goto(&server.url("/signin")).await?;
        self.wait_for_text(".page-sign-in h1", "").await?;
        self.fill("#email", email).await?;
        self.fill("#password", password).await?;
        self.client.find(Locator::Css(".auth-form button[type=submit]")).await?.click().await?;
        eventually(&format!("{name} in the header"), || async {
            let element = self.client.find(Locator::Css(".app-header .user-name")).await.ok()?;
            element.prop("textContent").await.ok()??.contains(name).then_some(())
        })
        .await
    }
}
