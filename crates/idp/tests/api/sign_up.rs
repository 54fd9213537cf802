//! SignUp, ConfirmSignUp, ResendConfirmationCode and the outbox.

use std::time::Duration;

use serde_json::json;

use crate::support::*;

async fn confirm(
    idp: &TestIdp,
    username: &str,
    code: &str,
) -> (axum::http::StatusCode, serde_json::Value) {
    idp.call(
        "ConfirmSignUp",
        json!({"ClientId": CLIENT_ID, "Username": username, "ConfirmationCode": code}),
    )
    .await
}

async fn resend(idp: &TestIdp, username: &str) -> (axum::http::StatusCode, serde_json::Value) {
    idp.call(
        "ResendConfirmationCode",
        json!({"ClientId": CLIENT_ID, "Username": username}),
    )
    .await
}

/// A six-digit code different from `code`.
fn other_code(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

#[tokio::test]
async fn sign_up_answers_like_cognito_and_delivers_the_code_to_the_outbox() {
    let idp = TestIdp::new();
    let (status, answer) = idp.sign_up("alice", "alice@example.com", PASSWORD).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["UserConfirmed"], false);
    assert!(uuid::Uuid::parse_str(answer["UserSub"].as_str().unwrap()).is_ok());
    assert_eq!(
        answer["CodeDeliveryDetails"],
        json!({"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "a***@e***"})
    );

    // The code is in outbox.jsonl, in the Rust API and on GET /outbox.
    let file =
        std::fs::read_to_string(idp.dir.path().join(moodchat_idp::OUTBOX_FILE_NAME)).unwrap();
    let line: serde_json::Value = serde_json::from_str(file.lines().last().unwrap()).unwrap();
    let code = line["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(line["to"], "alice@example.com");
    assert_eq!(line["purpose"], "confirm_sign_up");
    assert_eq!(idp.latest_code("ALICE@example.com"), code);
    let (status, served) = idp.get_json("/idp/outbox?email=alice%40example.com").await;
    assert_eq!(status, 200);
    assert_eq!(served["messages"][0]["code"], code.as_str());
    let (_, nobody) = idp.get_json("/idp/outbox?email=bob%40example.com").await;
    assert_eq!(nobody["messages"], json!([]));

    assert_eq!(confirm(&idp, "alice", &code).await.1, json!({}));
    let again = confirm(&idp, "alice", &code).await;
    assert_error(
        &again,
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    );
    assert!(idp.sign_in("alice", PASSWORD).await.is_ok());
}

#[tokio::test]
async fn the_verifier_is_stored_never_the_password() {
    let idp = TestIdp::new();
    idp.confirmed_user("vera", "vera@example.com", PASSWORD)
        .await;
    let database = std::fs::read(idp.dir.path().join(moodchat_idp::DATABASE_FILE_NAME)).unwrap();
    let wal = std::fs::read(idp.dir.path().join("idp.sqlite3-wal")).unwrap_or_default();
    for bytes in [database, wal] {
        assert!(!bytes
            .windows(PASSWORD.len())
            .any(|w| w == PASSWORD.as_bytes()));
    }
}

#[tokio::test]
async fn usernames_are_unique_regardless_of_case() {
    let idp = TestIdp::new();
    assert_eq!(idp.sign_up("Bob", "bob@example.com", PASSWORD).await.0, 200);
    let answer = idp.sign_up("bob", "other@example.com", PASSWORD).await;
    assert_error(&answer, "UsernameExistsException", "User already exists");
}

#[tokio::test]
async fn weak_passwords_get_cognitos_policy_messages() {
    let idp = TestIdp::new();
    for (password, reason) in [
        ("Sh0rt!", "Password not long enough"),
        ("NOLOWER1!", "Password must have lowercase characters"),
        ("noupper1!", "Password must have uppercase characters"),
        ("NoDigits!", "Password must have numeric characters"),
        ("NoSymbol1", "Password must have symbol characters"),
    ] {
        let answer = idp.sign_up("weak", "weak@example.com", password).await;
        assert_error(
            &answer,
            "InvalidPasswordException",
            &format!("Password did not conform with policy: {reason}"),
        );
    }
    assert!(idp.idp.outbox_messages(None).unwrap().is_empty());
}

#[tokio::test]
async fn attributes_must_fit_the_schema() {
    let idp = TestIdp::new();
    let sign_up = |attributes: serde_json::Value| {
        idp.call(
            "SignUp",
            json!({"ClientId": CLIENT_ID, "Username": "x", "Password": PASSWORD, "UserAttributes": attributes}),
        )
    };
    let missing = sign_up(json!([{"Name": "name", "Value": "X"}])).await;
    assert_error(
        &missing,
        "InvalidParameterException",
        "Attributes did not conform to the schema: email: The attribute is required\n",
    );
    let unknown = sign_up(
        json!([{"Name": "email", "Value": "x@example.com"}, {"Name": "shoe_size", "Value": "9"}]),
    )
    .await;
    assert_error(&unknown, "InvalidParameterException", "Attributes did not conform to the schema: Type for attribute {shoe_size} could not be determined");
    let malformed = sign_up(json!([{"Name": "email", "Value": "not-an-email"}])).await;
    assert_error(
        &malformed,
        "InvalidParameterException",
        "Invalid email address format.",
    );
    let spaced = idp.sign_up("has space", "x@example.com", PASSWORD).await;
    assert_eq!(spaced.1["__type"], "InvalidParameterException");
}

#[tokio::test]
async fn a_wrong_code_is_a_mismatch_and_five_of_them_burn_the_code() {
    let idp = TestIdp::new();
    idp.sign_up("carol", "carol@example.com", PASSWORD).await;
    let code = idp.latest_code("carol@example.com");
    let wrong = other_code(&code);
    for _ in 0..4 {
        let answer = confirm(&idp, "carol", &wrong).await;
        assert_error(
            &answer,
            "CodeMismatchException",
            "Invalid verification code provided, please try again.",
        );
    }
    let fifth = confirm(&idp, "carol", &wrong).await;
    assert_error(
        &fifth,
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    );
    // The burnt code no longer works, even though it was the right one.
    let burnt = confirm(&idp, "carol", &code).await;
    assert_error(
        &burnt,
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    );

    let resent = resend(&idp, "carol").await;
    assert_eq!(resent.0, 200);
    assert_eq!(resent.1["CodeDeliveryDetails"]["Destination"], "c***@e***");
    let fresh = idp.latest_code("carol@example.com");
    assert_eq!(confirm(&idp, "carol", &fresh).await.0, 200);
}

#[tokio::test]
async fn a_confirmation_code_expires_after_a_day() {
    let idp = TestIdp::new();
    idp.sign_up("dan", "dan@example.com", PASSWORD).await;
    let code = idp.latest_code("dan@example.com");
    idp.advance(Duration::from_secs(24 * 60 * 60));
    let expired = confirm(&idp, "dan", &code).await;
    assert_error(
        &expired,
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    );

    resend(&idp, "dan").await;
    let fresh = idp.latest_code("dan@example.com");
    assert_ne!(fresh, "");
    idp.advance(Duration::from_secs(24 * 60 * 60 - 1));
    assert_eq!(confirm(&idp, "dan", &fresh).await.0, 200);
}

#[tokio::test]
async fn a_resent_code_replaces_the_previous_one() {
    let idp = TestIdp::new();
    idp.sign_up("eve", "eve@example.com", PASSWORD).await;
    let first = idp.latest_code("eve@example.com");
    // Retry until the new code differs (1 in a million it doesn't).
    let mut second = first.clone();
    while second == first {
        resend(&idp, "eve").await;
        second = idp.latest_code("eve@example.com");
    }
    assert_eq!(
        confirm(&idp, "eve", &first).await.1["__type"],
        "CodeMismatchException"
    );
    assert_eq!(confirm(&idp, "eve", &second).await.0, 200);
}

#[tokio::test]
async fn unknown_and_confirmed_users_on_the_confirmation_path() {
    let idp = TestIdp::new();
    // Unknown names look like a delivery, and confirming them is a mismatch.
    let resent = resend(&idp, "ghost@example.com").await;
    assert_eq!(resent.0, 200);
    assert_eq!(resent.1["CodeDeliveryDetails"]["Destination"], "g***@e***");
    let resent_twice = resend(&idp, "ghost").await;
    assert_eq!(resent_twice.1, resend(&idp, "GHOST").await.1);
    let answer = confirm(&idp, "ghost", "123456").await;
    assert_error(
        &answer,
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    );
    assert!(idp.idp.outbox_messages(None).unwrap().is_empty());

    idp.confirmed_user("fred", "fred@example.com", PASSWORD)
        .await;
    let answer = resend(&idp, "fred").await;
    assert_error(
        &answer,
        "InvalidParameterException",
        "User is already confirmed.",
    );
}

#[tokio::test]
async fn code_deliveries_are_limited_per_hour() {
    let idp = TestIdp::new();
    idp.sign_up("gus", "gus@example.com", PASSWORD).await; // delivery 1
    for _ in 0..4 {
        assert_eq!(resend(&idp, "gus").await.0, 200);
    }
    let answer = resend(&idp, "gus").await;
    assert_error(
        &answer,
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    );
    idp.advance(Duration::from_secs(60 * 60));
    assert_eq!(resend(&idp, "gus").await.0, 200);
}

#[tokio::test]
async fn auto_confirm_skips_the_code() {
    let idp = TestIdp::with(|config| config.auto_confirm = true);
    let (status, answer) = idp.sign_up("hana", "hana@example.com", PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(answer["UserConfirmed"], true);
    assert!(answer.get("CodeDeliveryDetails").is_none());
    assert!(idp.idp.outbox_messages(None).unwrap().is_empty());
    let result = idp.sign_in("hana@example.com", PASSWORD).await.unwrap();
    let (_, claims) = verify_jwt(&idp.idp.jwks_json(), result["IdToken"].as_str().unwrap());
    assert_eq!(claims["email_verified"], true);
}

#[tokio::test]
async fn a_verified_email_belongs_to_one_account() {
    let idp = TestIdp::new();
    idp.confirmed_user("ian", "shared@example.com", PASSWORD)
        .await;
    idp.sign_up("ian2", "shared@example.com", PASSWORD).await;
    let code = idp.latest_code("shared@example.com");
    let answer = confirm(&idp, "ian2", &code).await;
    assert_error(
        &answer,
        "AliasExistsException",
        "An account with the email already exists.",
    );
}

#[tokio::test]
async fn the_outbox_route_exists_only_in_dev_mode() {
    let idp = TestIdp::with(|config| config.dev_outbox = false);
    idp.sign_up("jo", "jo@example.com", PASSWORD).await;
    let (status, _) = idp.get_json("/idp/outbox?email=jo%40example.com").await;
    assert_eq!(status, 404);
    // The file and the Rust API still work: they need access to the machine.
    assert_eq!(
        idp.idp
            .outbox_messages(Some("jo@example.com"))
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn usernames_cannot_impersonate_another_accounts_email_or_sub() {
    let idp = TestIdp::new();
    let sub = idp.confirmed_user("kim", "kim@example.com", PASSWORD).await;
    let as_uuid = idp.sign_up(&sub, "squatter@example.com", PASSWORD).await;
    assert_error(
        &as_uuid,
        "InvalidParameterException",
        "Username cannot be of UUID format.",
    );
    let as_email = idp
        .sign_up("kim@example.com", "squatter@example.com", PASSWORD)
        .await;
    assert_error(
        &as_email,
        "InvalidParameterException",
        "An email address used as username must be the account's email attribute.",
    );
    // Same email as username and attribute is fine, but while unconfirmed it
    // doesn't take the alias away from the confirmed owner.
    assert_eq!(
        idp.sign_up("KIM@example.com", "kim@example.com", "Squatt3r-Pass!")
            .await
            .0,
        200
    );
    assert!(idp.sign_in("kim@example.com", PASSWORD).await.is_ok());
}
