//! USER_SRP_AUTH + PASSWORD_VERIFIER.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::handmade_srp::{self, Client};
use crate::support::*;

async fn initiate(idp: &TestIdp, username: &str, srp_a: &str) -> Value {
    let answer = idp
        .ok(
            "InitiateAuth",
            json!({
                "AuthFlow": "USER_SRP_AUTH",
                "ClientId": CLIENT_ID,
                "AuthParameters": {"USERNAME": username, "SRP_A": srp_a}
            }),
        )
        .await;
    answer["ChallengeParameters"].clone()
}

async fn respond(
    idp: &TestIdp,
    params: &Value,
    signature: &str,
    timestamp: &str,
) -> (axum::http::StatusCode, Value) {
    idp.call(
        "RespondToAuthChallenge",
        json!({
            "ChallengeName": "PASSWORD_VERIFIER",
            "ClientId": CLIENT_ID,
            "ChallengeResponses": {
                "USERNAME": params["USER_ID_FOR_SRP"],
                "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
                "PASSWORD_CLAIM_SIGNATURE": signature,
                "TIMESTAMP": timestamp,
            }
        }),
    )
    .await
}

/// One handmade sign-in attempt signed at the provider's current time.
async fn attempt(idp: &TestIdp, username: &str, password: &str) -> (axum::http::StatusCode, Value) {
    let client = Client::new();
    let params = initiate(idp, username, &client.srp_a()).await;
    let timestamp = handmade_srp::timestamp(idp.clock_now());
    respond(
        idp,
        &params,
        &client.signature(password, &params, &timestamp),
        &timestamp,
    )
    .await
}

impl TestIdp {
    fn clock_now(&self) -> time::OffsetDateTime {
        use moodchat_idp::Clock;
        self.clock.now()
    }
}

#[tokio::test]
async fn the_real_client_signs_in_and_gets_cognito_shaped_tokens() {
    let idp = TestIdp::new();
    let sub = idp
        .confirmed_user("alice", "alice@example.com", PASSWORD)
        .await;
    let result = idp.sign_in("alice", PASSWORD).await.unwrap();

    assert_eq!(result["TokenType"], "Bearer");
    assert_eq!(result["ExpiresIn"], 3600);
    let refresh_token = result["RefreshToken"].as_str().unwrap();
    assert!(refresh_token.len() >= 64);

    let jwks = idp.idp.jwks_json();
    let (id_header, id) = verify_jwt(&jwks, result["IdToken"].as_str().unwrap());
    let (access_header, access) = verify_jwt(&jwks, result["AccessToken"].as_str().unwrap());
    assert_eq!(id_header["kid"], access_header["kid"]);

    let issuer = "http://127.0.0.1:8080/idp/local_moodchat";
    assert_eq!(idp.idp.issuer(), issuer);
    assert_eq!(id["sub"], sub.as_str());
    assert_eq!(id["aud"], CLIENT_ID);
    assert_eq!(id["iss"], issuer);
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["name"], "alice the tester");
    let iat = id["iat"].as_i64().unwrap();
    assert_eq!(id["exp"].as_i64().unwrap(), iat + 3600);
    assert_eq!(id["auth_time"].as_i64().unwrap(), iat);
    assert!(id["jti"].is_string() && id["origin_jti"].is_string());

    assert_eq!(access["sub"], sub.as_str());
    assert_eq!(access["client_id"], CLIENT_ID);
    assert_eq!(access["username"], "alice");
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["iss"], issuer);
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_ne!(access["jti"], id["jti"]);
    assert!(
        access.get("aud").is_none(),
        "Cognito access tokens carry client_id, not aud"
    );

    // The JWKS served over HTTP is the one handed out in-process.
    let (status, served) = idp
        .get_json("/idp/local_moodchat/.well-known/jwks.json")
        .await;
    assert_eq!(status, 200);
    assert_eq!(served, jwks);
}

#[tokio::test]
async fn the_challenge_names_the_user_by_sub_and_never_sends_a_zero_led_salt() {
    let idp = TestIdp::new();
    let sub = idp.confirmed_user("bob", "bob@example.com", PASSWORD).await;
    let client = Client::new();
    for _ in 0..3 {
        let params = initiate(&idp, "bob", &client.srp_a()).await;
        assert_eq!(params["USER_ID_FOR_SRP"], sub.as_str());
        assert_eq!(params["USERNAME"], sub.as_str());
        let salt = hex::decode(params["SALT"].as_str().unwrap()).unwrap();
        assert_eq!(salt.len(), 16);
        assert_ne!(salt[0], 0);
        assert!(params["SRP_B"].as_str().unwrap().len() > 700);
    }
}

#[tokio::test]
async fn sign_in_works_with_the_username_in_any_case_and_the_verified_email() {
    let idp = TestIdp::new();
    idp.confirmed_user("Carol", "carol@example.com", PASSWORD)
        .await;
    assert!(idp.sign_in("carol", PASSWORD).await.is_ok());
    assert!(idp.sign_in("CAROL", PASSWORD).await.is_ok());
    assert!(idp.sign_in("Carol@Example.com", PASSWORD).await.is_ok());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_fail_the_same_way() {
    let idp = TestIdp::new();
    idp.confirmed_user("dave", "dave@example.com", PASSWORD)
        .await;
    assert_incorrect_credentials(&idp.sign_in("dave", "Wr0ng-Password!").await);
    assert_incorrect_credentials(&idp.sign_in("nobody", PASSWORD).await);

    // The unknown name gets a challenge of the same shape, with a stable
    // salt and id, so asking twice reveals nothing either.
    let client = Client::new();
    let first = initiate(&idp, "nobody", &client.srp_a()).await;
    let second = initiate(&idp, "NOBODY", &client.srp_a()).await;
    let real = initiate(&idp, "dave", &client.srp_a()).await;
    let keys = |v: &Value| {
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&first), keys(&real));
    assert_eq!(first["SALT"], second["SALT"]);
    assert_eq!(first["USER_ID_FOR_SRP"], second["USER_ID_FOR_SRP"]);
    assert_ne!(first["SRP_B"], second["SRP_B"]);
    assert!(uuid::Uuid::parse_str(first["USER_ID_FOR_SRP"].as_str().unwrap()).is_ok());
}

#[tokio::test]
async fn an_unconfirmed_user_learns_it_only_with_the_right_password() {
    let idp = TestIdp::new();
    let (status, _) = idp.sign_up("erin", "erin@example.com", PASSWORD).await;
    assert_eq!(status, 200);
    let error = idp.sign_in("erin", PASSWORD).await.unwrap_err();
    assert_error(
        &error,
        "UserNotConfirmedException",
        "User is not confirmed.",
    );
    assert_incorrect_credentials(&idp.sign_in("erin", "Wr0ng-Password!").await);
}

#[tokio::test]
async fn a_secret_block_is_accepted_only_once() {
    let idp = TestIdp::new();
    idp.confirmed_user("frank", "frank@example.com", PASSWORD)
        .await;
    let client = Client::new();
    let params = initiate(&idp, "frank", &client.srp_a()).await;
    let timestamp = handmade_srp::timestamp(idp.clock_now());
    let signature = client.signature(PASSWORD, &params, &timestamp);
    let first = respond(&idp, &params, &signature, &timestamp).await;
    assert_eq!(first.0, 200, "{}", first.1);
    assert!(first.1["AuthenticationResult"]["IdToken"].is_string());
    let replay = respond(&idp, &params, &signature, &timestamp).await;
    assert_error(
        &replay,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
}

#[tokio::test]
async fn a_correct_proof_over_a_timestamp_an_hour_off_is_refused() {
    let idp = TestIdp::new();
    idp.confirmed_user("gina", "gina@example.com", PASSWORD)
        .await;
    let client = Client::new();
    let now = idp.clock_now();
    for skew in [time::Duration::hours(-1), time::Duration::hours(1)] {
        let params = initiate(&idp, "gina", &client.srp_a()).await;
        let timestamp = handmade_srp::timestamp(now + skew);
        let answer = respond(
            &idp,
            &params,
            &client.signature(PASSWORD, &params, &timestamp),
            &timestamp,
        )
        .await;
        assert_error(
            &answer,
            "NotAuthorizedException",
            "Incorrect username or password.",
        );
    }
    // The same client with a current timestamp gets in (and two minutes of
    // client clock skew is tolerated).
    let params = initiate(&idp, "gina", &client.srp_a()).await;
    let timestamp = handmade_srp::timestamp(now - time::Duration::minutes(2));
    let answer = respond(
        &idp,
        &params,
        &client.signature(PASSWORD, &params, &timestamp),
        &timestamp,
    )
    .await;
    assert_eq!(answer.0, 200, "{}", answer.1);
}

#[tokio::test]
async fn a_challenge_expires_after_five_minutes() {
    let idp = TestIdp::new();
    idp.confirmed_user("hank", "hank@example.com", PASSWORD)
        .await;
    let client = Client::new();
    let params = initiate(&idp, "hank", &client.srp_a()).await;
    idp.advance(Duration::from_secs(5 * 60 + 1));
    let timestamp = handmade_srp::timestamp(idp.clock_now());
    let answer = respond(
        &idp,
        &params,
        &client.signature(PASSWORD, &params, &timestamp),
        &timestamp,
    )
    .await;
    assert_error(
        &answer,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_growing_back_off() {
    // Many attempts on one name within a minute: over the per-name rate
    // limit, which is not what this test is about.
    let idp = TestIdp::with(lift_name_rate_limit);
    idp.confirmed_user("ivy", "ivy@example.com", PASSWORD).await;
    for _ in 0..5 {
        let answer = attempt(&idp, "ivy", "Wr0ng-Password!").await;
        assert_error(
            &answer,
            "NotAuthorizedException",
            "Incorrect username or password.",
        );
    }
    // Locked for 1 s after the fifth failure: even the right password is refused.
    let locked = attempt(&idp, "ivy", PASSWORD).await;
    assert_error(
        &locked,
        "NotAuthorizedException",
        "Password attempts exceeded",
    );

    idp.advance(Duration::from_secs(1));
    let sixth = attempt(&idp, "ivy", "Wr0ng-Password!").await;
    assert_error(
        &sixth,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
    // Now locked for 2 s.
    idp.advance(Duration::from_secs(1));
    let still_locked = attempt(&idp, "ivy", PASSWORD).await;
    assert_error(
        &still_locked,
        "NotAuthorizedException",
        "Password attempts exceeded",
    );
    idp.advance(Duration::from_secs(1));
    let answer = attempt(&idp, "ivy", PASSWORD).await;
    assert_eq!(answer.0, 200, "{}", answer.1);

    // Success resets the count: one more failure doesn't lock.
    attempt(&idp, "ivy", "Wr0ng-Password!").await;
    let answer = attempt(&idp, "ivy", PASSWORD).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
}

#[tokio::test]
async fn the_lock_is_capped_at_fifteen_minutes() {
    // Many attempts on one name within a minute: over the per-name rate
    // limit, which is not what this test is about.
    let idp = TestIdp::with(lift_name_rate_limit);
    idp.confirmed_user("jack", "jack@example.com", PASSWORD)
        .await;
    for _ in 0..14 {
        attempt(&idp, "jack", "Wr0ng-Password!").await;
        // Step past each lock so every attempt is a counted failure.
        idp.advance(Duration::from_secs(15 * 60));
    }
    attempt(&idp, "jack", "Wr0ng-Password!").await;
    idp.advance(Duration::from_secs(15 * 60 - 1));
    let locked = attempt(&idp, "jack", PASSWORD).await;
    assert_error(
        &locked,
        "NotAuthorizedException",
        "Password attempts exceeded",
    );
    idp.advance(Duration::from_secs(1));
    assert_eq!(attempt(&idp, "jack", PASSWORD).await.0, 200);
}

#[tokio::test]
async fn a_public_a_that_is_zero_mod_n_is_refused() {
    let idp = TestIdp::new();
    idp.confirmed_user("kate", "kate@example.com", PASSWORD)
        .await;
    let n = handmade_srp::n();
    for srp_a in [
        "0",
        "000",
        &n.to_str_radix(16),
        &(&n * 3u8).to_str_radix(16),
        "zz",
    ] {
        let answer = idp
            .call(
                "InitiateAuth",
                json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT_ID,
                       "AuthParameters": {"USERNAME": "kate", "SRP_A": srp_a}}),
            )
            .await;
        assert_eq!(
            answer.1["__type"], "InvalidParameterException",
            "{srp_a}: {}",
            answer.1
        );
    }
}

#[tokio::test]
async fn a_proof_presented_under_another_users_name_is_refused() {
    let idp = TestIdp::new();
    idp.confirmed_user("liam", "liam@example.com", PASSWORD)
        .await;
    idp.confirmed_user("mia", "mia@example.com", PASSWORD).await;
    let client = Client::new();
    let mut params = initiate(&idp, "liam", &client.srp_a()).await;
    let timestamp = handmade_srp::timestamp(idp.clock_now());
    let signature = client.signature(PASSWORD, &params, &timestamp);
    params["USER_ID_FOR_SRP"] = json!("mia");
    let answer = respond(&idp, &params, &signature, &timestamp).await;
    assert_error(
        &answer,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
}
