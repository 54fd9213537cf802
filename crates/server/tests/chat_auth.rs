//! Every token API Gateway's Cognito authorizer would refuse is refused here
//! too, with 401 `unauthorized`, on REST and on the WebSocket upgrade.

mod chat_support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chat_support::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

fn with(change: impl FnOnce(&mut Value)) -> String {
    let mut claims = id_claims("alice");
    change(&mut claims);
    sign(&claims, SIGNING_KEY, KID)
}

/// Each bad token with the reason it must fail.
fn bad_tokens() -> Vec<(&'static str, String)> {
    let claims = id_claims("alice");
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": KID}).to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    // The classic confusion attack: the public JWKS used as an HMAC secret.
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some(KID.into());
    let hs256 = jsonwebtoken::encode(&hs_header, &claims, &EncodingKey::from_secret(jwks().as_bytes())).unwrap();
    let mut tampered = token("alice");
    let payload = URL_SAFE_NO_PAD.encode(id_claims("mallory").to_string());
    let parts: Vec<&str> = tampered.split('.').collect();
    tampered = format!("{}.{payload}.{}", parts[0], parts[2]);
    vec![
        ("expired", with(|c| c["exp"] = json!(now_secs() - 3600))),
        ("wrong issuer", with(|c| c["iss"] = json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other"))),
        ("wrong audience", with(|c| c["aud"] = json!("someone-elses-client"))),
        ("access token", with(|c| c["token_use"] = json!("access"))),
        ("no exp", with(|c| c.as_object_mut().unwrap().remove("exp").map(drop).unwrap_or(()))),
        ("signed by another key", sign(&claims, OTHER_KEY, KID)),
        ("payload swapped after signing", tampered),
        ("unknown kid", sign(&claims, SIGNING_KEY, "rotated-away")),
        ("alg none", unsigned),
        ("HS256 with the public key", hs256),
        ("garbage", "not.a.jwt".into()),
    ]
}

#[tokio::test]
async fn rest_refuses_every_bad_token_and_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let http = reqwest::Client::new();
    for (reason, token) in bad_tokens() {
        let response = http.get(server.url("/api/rooms")).header("Authorization", token).send().await.unwrap();
        let answer = read(response).await;
        assert_eq!((answer.0, &answer.1["code"]), (401, &json!("unauthorized")), "{reason}: {:?}", answer.1);
    }
    let missing = http.get(server.url("/api/rooms")).send().await.unwrap();
    assert_error(&read(missing).await, 401, "unauthorized");
    let basic = http.get(server.url("/api/rooms")).header("Authorization", "Basic YTpi").send().await.unwrap();
    assert_error(&read(basic).await, 401, "unauthorized");
}

#[tokio::test]
async fn rest_accepts_a_valid_token_raw_or_as_bearer() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let http = reqwest::Client::new();
    for header in [token("alice"), format!("Bearer {}", token("alice"))] {
        let answer = read(http.get(server.url("/api/rooms")).header("Authorization", header).send().await.unwrap()).await;
        assert_eq!(answer.0, 200, "{:?}", answer.1);
        assert_eq!(answer.1["rooms"][0]["id"], "lobby");
    }
}

#[tokio::test]
async fn the_websocket_upgrade_refuses_every_bad_token_with_401() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut cases = bad_tokens();
    cases.push(("missing", String::new()));
    for (reason, token) in cases {
        match WsClient::connect_with_token(&server, &token).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status().as_u16(), 401, "{reason}");
                let body: Value = serde_json::from_slice(response.body().as_deref().unwrap_or_default()).unwrap();
                assert_eq!(body["code"], "unauthorized", "{reason}");
            }
            Err(other) => panic!("{reason}: unexpected error {other}"),
            Ok(_) => panic!("{reason}: the upgrade was accepted"),
        }
    }
    let mut good = WsClient::connect(&server, "alice").await;
    good.assert_alive().await;
}

#[tokio::test]
async fn keys_rotated_in_the_identity_provider_are_picked_up() {
    use moodchat_core::TokenVerifier;
    use moodchat_server::chat::JwksVerifier;
    use std::sync::{Arc, Mutex};

    // The provider starts without our key, as if it were rotated in later.
    let current = Arc::new(Mutex::new(json!({"keys": []}).to_string()));
    let provider = {
        let current = current.clone();
        Arc::new(move || current.lock().unwrap().clone())
    };
    let verifier = JwksVerifier::from_jwks_provider(provider, ISSUER, CLIENT_ID).unwrap();
    *current.lock().unwrap() = jwks();
    let identity = verifier.verify(&token("alice")).await.expect("the rotated-in key is found");
    assert_eq!((identity.sub.as_str(), identity.username.as_str()), ("sub-alice", "alice"));
    assert_eq!(identity.email.as_deref(), Some("alice@example.com"));
    let forged = sign(&id_claims("alice"), OTHER_KEY, "another-kid");
    assert_eq!(verifier.verify(&forged).await.unwrap_err().code, moodchat_protocol::ErrorCode::Unauthorized);
}
