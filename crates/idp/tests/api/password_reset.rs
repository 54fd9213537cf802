//! ForgotPassword and ConfirmForgotPassword.

use std::time::Duration;

use serde_json::json;

use crate::support::*;

const NEW_PASSWORD: &str = "N3w-Password?";

async fn forgot(idp: &TestIdp, username: &str) -> (axum::http::StatusCode, serde_json::Value) {
    idp.call(
        "ForgotPassword",
        json!({"ClientId": CLIENT_ID, "Username": username}),
    )
    .await
}

async fn reset(
    idp: &TestIdp,
    username: &str,
    code: &str,
    password: &str,
) -> (axum::http::StatusCode, serde_json::Value) {
    idp.call(
        "ConfirmForgotPassword",
        json!({"ClientId": CLIENT_ID, "Username": username, "ConfirmationCode": code, "Password": password}),
    )
    .await
}

#[tokio::test]
async fn a_reset_changes_the_password_and_ends_existing_sessions() {
    let idp = TestIdp::new();
    idp.confirmed_user("alice", "alice@example.com", PASSWORD)
        .await;
    let before = idp.sign_in("alice", PASSWORD).await.unwrap();

    let answer = forgot(&idp, "alice").await;
    assert_eq!(answer.0, 200);
    assert_eq!(
        answer.1,
        json!({"CodeDeliveryDetails": {"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "a***@e***"}})
    );
    let message = idp
        .idp
        .outbox_messages(Some("alice@example.com"))
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(message.purpose, "forgot_password");
    assert_eq!(
        reset(&idp, "alice", &message.code, NEW_PASSWORD).await.1,
        json!({})
    );

    assert_incorrect_credentials(&idp.sign_in("alice", PASSWORD).await);
    assert!(idp.sign_in("alice", NEW_PASSWORD).await.is_ok());
    let refreshed = idp.refresh(before["RefreshToken"].as_str().unwrap()).await;
    assert_error(
        &refreshed,
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    );

    // Single use.
    let again = reset(&idp, "alice", &message.code, "An0ther-Password!").await;
    assert_error(
        &again,
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    );
}

#[tokio::test]
async fn a_reset_code_expires_after_an_hour() {
    let idp = TestIdp::new();
    idp.confirmed_user("bob", "bob@example.com", PASSWORD).await;
    forgot(&idp, "bob").await;
    let code = idp.latest_code("bob@example.com");
    idp.advance(Duration::from_secs(60 * 60));
    let answer = reset(&idp, "bob", &code, NEW_PASSWORD).await;
    assert_error(
        &answer,
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    );
}

#[tokio::test]
async fn a_weak_new_password_is_refused_without_spending_the_code() {
    let idp = TestIdp::new();
    idp.confirmed_user("cat", "cat@example.com", PASSWORD).await;
    forgot(&idp, "cat").await;
    let code = idp.latest_code("cat@example.com");
    let weak = reset(&idp, "cat", &code, "weakpass").await;
    assert_eq!(weak.1["__type"], "InvalidPasswordException");
    assert_eq!(reset(&idp, "cat", &code, NEW_PASSWORD).await.0, 200);
}

#[tokio::test]
async fn a_confirmation_code_is_no_reset_code() {
    let idp = TestIdp::new();
    idp.sign_up("dora", "dora@example.com", PASSWORD).await;
    let confirmation = idp.latest_code("dora@example.com");
    idp.ok(
        "ConfirmSignUp",
        json!({"ClientId": CLIENT_ID, "Username": "dora", "ConfirmationCode": confirmation}),
    )
    .await;
    // No reset was requested.
    let answer = reset(&idp, "dora", &confirmation, NEW_PASSWORD).await;
    assert_error(
        &answer,
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    );
}

#[tokio::test]
async fn unknown_and_unconfirmed_users_get_a_simulated_delivery() {
    let idp = TestIdp::new();
    idp.sign_up("ed", "ed@example.com", PASSWORD).await;
    let sent_before = idp.idp.outbox_messages(None).unwrap().len();
    for name in ["nobody", "nobody@example.com", "ed"] {
        let answer = forgot(&idp, name).await;
        assert_eq!(answer.0, 200, "{}", answer.1);
        assert_eq!(answer.1["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    }
    assert_eq!(idp.idp.outbox_messages(None).unwrap().len(), sent_before);
    let answer = reset(&idp, "nobody", "123456", NEW_PASSWORD).await;
    assert_error(
        &answer,
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    );
}
