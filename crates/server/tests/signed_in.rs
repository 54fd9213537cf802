//! The whole embedded server, as a browser sees it: sign up and confirm at
//! the Cognito-compatible /idp with the code from the dev outbox, sign in
//! with real SRP (the aws-cognito-srp client), then use the id token on the
//! chat API, which verifies it exactly as it would verify Amazon Cognito's.

mod whole_server;

use serde_json::{json, Value};
use whole_server::{start, CLIENT_ID};

#[tokio::test]
async fn sign_up_confirm_sign_in_and_chat_with_the_id_token() {
    let server = start(&["--dev-outbox"]).await;
    let signed_up = server.sign_up("mina@example.com", "Mina", "Correct-h0rse").await;
    assert_eq!(signed_up["UserConfirmed"], false);

    // Not confirmed yet: Cognito's error, not tokens.
    let refused = server.sign_in("mina@example.com", "Correct-h0rse").await.unwrap_err();
    assert_eq!(refused["__type"], "UserNotConfirmedException");

    // The code "sent" by email is in the dev outbox.
    let outbox: Value = server
        .http
        .get(format!("{}/idp/outbox?email=mina@example.com", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = outbox["messages"][0]["code"].as_str().unwrap().to_owned();
    let (status, body) = server
        .cognito("ConfirmSignUp", json!({"ClientId": CLIENT_ID, "Username": "mina@example.com", "ConfirmationCode": code}))
        .await;
    assert_eq!(status, 200, "{body}");

    let tokens = server.sign_in("mina@example.com", "Correct-h0rse").await.unwrap();
    let id_token = tokens["IdToken"].as_str().unwrap();

    // The chat API accepts the IdP's id token and takes the sender from it.
    let (status, rooms) = server.api(reqwest::Method::GET, "/rooms", id_token, None).await;
    assert_eq!(status, 200, "{rooms}");
    let (status, sent) = server
        .api(
            reqwest::Method::POST,
            "/rooms/lobby/messages",
            id_token,
            Some(json!({"client_id": "c-1", "text": "I love this, what a wonderful day!"})),
        )
        .await;
    assert!(status == 200 || status == 201, "{status} {sent}");
    let (_, history) = server.api(reqwest::Method::GET, "/rooms/lobby/messages", id_token, None).await;
    let message = &history["messages"][0];
    assert_eq!(message["sender"]["name"], "Mina", "{history}");
    assert_eq!(message["sentiment"]["label"], "positive", "{history}");
    assert_eq!(message["sentiment"]["source"], "local");

    // The access token is not an id token: the chat API refuses it.
    let access = tokens["AccessToken"].as_str().unwrap();
    let (status, refused) = server.api(reqwest::Method::GET, "/rooms", access, None).await;
    assert_eq!(status, 401, "{refused}");
    assert_eq!(refused["code"], "unauthorized");
}

#[tokio::test]
async fn a_wrong_password_gets_cognitos_error_and_no_token() {
    let server = start(&["--auto-confirm"]).await;
    server.sign_up("joon@example.com", "준", "Correct-h0rse").await;
    let refused = server.sign_in("joon@example.com", "wrong-Passw0rd!").await.unwrap_err();
    assert_eq!(refused["__type"], "NotAuthorizedException");
    assert_eq!(refused["message"], "Incorrect username or password.");
    let tokens = server.sign_in("joon@example.com", "Correct-h0rse").await.unwrap();
    assert!(tokens["IdToken"].is_string());
}

#[tokio::test]
async fn unknown_api_paths_and_wrong_methods_answer_json_errors() {
    let server = start(&["--auto-confirm"]).await;
    let missing = server.http.get(format!("{}/api/no-such-thing", server.base)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["code"], "not_found");

    let wrong_method = server.http.delete(format!("{}/api/rooms", server.base)).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
    let body: Value = wrong_method.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");
    assert!(body["message"].as_str().unwrap().contains("DELETE"));
}
