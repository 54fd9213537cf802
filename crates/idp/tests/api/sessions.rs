//! Refresh, GetUser, GlobalSignOut, RevokeToken and token lifetimes.

use std::time::Duration;

use serde_json::json;

use crate::support::*;

fn text<'a>(value: &'a serde_json::Value, name: &str) -> &'a str {
    value[name].as_str().unwrap()
}

#[tokio::test]
async fn refresh_mints_new_tokens_in_the_same_session() {
    let idp = TestIdp::new();
    idp.confirmed_user("alice", "alice@example.com", PASSWORD)
        .await;
    let first = idp.sign_in("alice", PASSWORD).await.unwrap();
    idp.advance(Duration::from_secs(600));
    for flow in ["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"] {
        let answer = idp
            .ok(
                "InitiateAuth",
                json!({"AuthFlow": flow, "ClientId": CLIENT_ID,
                       "AuthParameters": {"REFRESH_TOKEN": text(&first, "RefreshToken")}}),
            )
            .await;
        assert_eq!(answer["ChallengeParameters"], json!({}));
        let result = &answer["AuthenticationResult"];
        assert!(
            result.get("RefreshToken").is_none(),
            "Cognito doesn't rotate by default"
        );
        let jwks = idp.idp.jwks_json();
        let (_, old) = verify_jwt(&jwks, text(&first, "IdToken"));
        let (_, new) = verify_jwt(&jwks, text(result, "IdToken"));
        assert_eq!(new["origin_jti"], old["origin_jti"]);
        assert_eq!(new["auth_time"], old["auth_time"]);
        assert_eq!(
            new["iat"].as_i64().unwrap(),
            old["iat"].as_i64().unwrap() + 600
        );
        assert_ne!(new["jti"], old["jti"]);
        assert_eq!(idp.get_user(text(result, "AccessToken")).await.0, 200);
    }
    let bogus = idp.refresh("not-a-real-token").await;
    assert_error(&bogus, "NotAuthorizedException", "Invalid Refresh Token");
}

#[tokio::test]
async fn get_user_returns_username_and_attributes() {
    let idp = TestIdp::new();
    let sub = idp.confirmed_user("Bob", "bob@example.com", PASSWORD).await;
    let result = idp.sign_in("bob", PASSWORD).await.unwrap();
    let (status, user) = idp.get_user(text(&result, "AccessToken")).await;
    assert_eq!(status, 200);
    assert_eq!(
        user,
        json!({
            "Username": "Bob",
            "UserAttributes": [
                {"Name": "sub", "Value": sub},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": "Bob the tester"},
                {"Name": "email", "Value": "bob@example.com"}
            ]
        })
    );
}

#[tokio::test]
async fn get_user_refuses_anything_but_a_valid_access_token() {
    let idp = TestIdp::new();
    idp.confirmed_user("carl", "carl@example.com", PASSWORD)
        .await;
    let result = idp.sign_in("carl", PASSWORD).await.unwrap();
    let access = text(&result, "AccessToken");
    let invalid = |answer: (axum::http::StatusCode, serde_json::Value)| {
        assert_error(&answer, "NotAuthorizedException", "Invalid Access Token")
    };
    invalid(idp.get_user(text(&result, "IdToken")).await);
    invalid(idp.get_user("garbage").await);
    // Flip one character of the signature.
    let mut tampered = access.to_owned();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    invalid(idp.get_user(&tampered).await);
    // The token can't pick a weaker algorithm than the one we sign with.
    let (header, claims) = verify_jwt(&idp.idp.jwks_json(), access);
    for alg in ["none", "HS256"] {
        let mut forged_header = header.clone();
        forged_header["alg"] = json!(alg);
        let encode = |v: &serde_json::Value| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let signature = access.rsplit('.').next().unwrap();
        invalid(
            idp.get_user(&format!("{}.{}.", encode(&forged_header), encode(&claims)))
                .await,
        );
        invalid(
            idp.get_user(&format!(
                "{}.{}.{signature}",
                encode(&forged_header),
                encode(&claims)
            ))
            .await,
        );
    }
    let missing = idp.call("GetUser", json!({})).await;
    assert_eq!(missing.1["__type"], "InvalidParameterException");
}

#[tokio::test]
async fn access_tokens_expire_and_refresh_tokens_outlive_them() {
    let idp = TestIdp::with(|config| {
        config.access_token_ttl = Duration::from_secs(60);
        config.id_token_ttl = Duration::from_secs(60);
        config.refresh_token_ttl = Duration::from_secs(600);
    });
    idp.confirmed_user("dee", "dee@example.com", PASSWORD).await;
    let result = idp.sign_in("dee", PASSWORD).await.unwrap();
    assert_eq!(result["ExpiresIn"], 60);
    idp.advance(Duration::from_secs(60));
    let expired = idp.get_user(text(&result, "AccessToken")).await;
    assert_error(
        &expired,
        "NotAuthorizedException",
        "Access Token has expired",
    );
    let (status, refreshed) = idp.refresh(text(&result, "RefreshToken")).await;
    assert_eq!(status, 200);
    let access = text(&refreshed["AuthenticationResult"], "AccessToken");
    assert_eq!(idp.get_user(access).await.0, 200);
    idp.advance(Duration::from_secs(540));
    let answer = idp.refresh(text(&result, "RefreshToken")).await;
    assert_error(
        &answer,
        "NotAuthorizedException",
        "Refresh Token has expired",
    );
}

#[tokio::test]
async fn global_sign_out_ends_every_session_of_the_user() {
    let idp = TestIdp::new();
    idp.confirmed_user("ella", "ella@example.com", PASSWORD)
        .await;
    idp.confirmed_user("finn", "finn@example.com", PASSWORD)
        .await;
    let phone = idp.sign_in("ella", PASSWORD).await.unwrap();
    let laptop = idp.sign_in("ella", PASSWORD).await.unwrap();
    let other_user = idp.sign_in("finn", PASSWORD).await.unwrap();

    assert_eq!(
        idp.ok(
            "GlobalSignOut",
            json!({"AccessToken": text(&phone, "AccessToken")})
        )
        .await,
        json!({})
    );
    for session in [&phone, &laptop] {
        let answer = idp.get_user(text(session, "AccessToken")).await;
        assert_error(
            &answer,
            "NotAuthorizedException",
            "Access Token has been revoked",
        );
        let answer = idp.refresh(text(session, "RefreshToken")).await;
        assert_error(
            &answer,
            "NotAuthorizedException",
            "Refresh Token has been revoked",
        );
    }
    let again = idp
        .call(
            "GlobalSignOut",
            json!({"AccessToken": text(&phone, "AccessToken")}),
        )
        .await;
    assert_error(
        &again,
        "NotAuthorizedException",
        "Access Token has been revoked",
    );
    assert_eq!(idp.get_user(text(&other_user, "AccessToken")).await.0, 200);
    // Signing in again starts a fresh session.
    let fresh = idp.sign_in("ella", PASSWORD).await.unwrap();
    assert_eq!(idp.get_user(text(&fresh, "AccessToken")).await.0, 200);
}

#[tokio::test]
async fn revoke_token_ends_one_session() {
    let idp = TestIdp::new();
    idp.confirmed_user("gail", "gail@example.com", PASSWORD)
        .await;
    let phone = idp.sign_in("gail", PASSWORD).await.unwrap();
    let laptop = idp.sign_in("gail", PASSWORD).await.unwrap();
    let revoke = |token: &str, client_id: &str| {
        idp.call(
            "RevokeToken",
            json!({"Token": token, "ClientId": client_id}),
        )
    };

    let wrong_client = revoke(text(&phone, "RefreshToken"), "someone-else").await;
    assert_eq!(wrong_client.1["__type"], "UnauthorizedException");
    let access = revoke(text(&phone, "AccessToken"), CLIENT_ID).await;
    assert_error(
        &access,
        "UnsupportedTokenTypeException",
        "Unsupported token type.",
    );

    assert_eq!(
        revoke(text(&phone, "RefreshToken"), CLIENT_ID).await,
        (axum::http::StatusCode::OK, json!({}))
    );
    let answer = idp.refresh(text(&phone, "RefreshToken")).await;
    assert_error(
        &answer,
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    );
    let answer = idp.get_user(text(&phone, "AccessToken")).await;
    assert_error(
        &answer,
        "NotAuthorizedException",
        "Access Token has been revoked",
    );

    assert_eq!(idp.refresh(text(&laptop, "RefreshToken")).await.0, 200);
    assert_eq!(idp.get_user(text(&laptop, "AccessToken")).await.0, 200);
    // Revoking twice, or an unknown token, is fine (RFC 7009).
    assert_eq!(revoke(text(&phone, "RefreshToken"), CLIENT_ID).await.0, 200);
    assert_eq!(revoke("unknown-token", CLIENT_ID).await.0, 200);
}
