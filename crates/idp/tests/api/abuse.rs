//! What an attacker tried on the provider, refused the way the rest of the
//! API refuses things: names that hide or reorder text, duplicate members,
//! oversized bodies, unknown paths, floods of sign-ups and sign-in starts,
//! and the development outbox reached from elsewhere.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use moodchat_idp::{ChallengeBounds, ClientAddress};
use serde_json::{json, Value};

use crate::support::*;

fn client(last: u8) -> Option<ClientAddress> {
    Some(ClientAddress::new([10, 0, 0, last].into()))
}

#[tokio::test]
async fn usernames_with_control_format_or_invisible_characters_are_refused() {
    let idp = TestIdp::new();
    for name in ["nul\0byte", "Invoice\u{202e}gpj.exe", "zero\u{200b}width", "joiner\u{200d}x", "tab\tname", "\u{2066}isolate"] {
        let answer = idp.sign_up(name, "someone@example.com", PASSWORD).await;
        assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{name:?}: {}", answer.1);
        assert_eq!(answer.1["__type"], "InvalidParameterException", "{name:?}");
    }
    let (status, answer) = idp.sign_up("준호_ok.name", "ok@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

#[tokio::test]
async fn display_names_and_emails_with_invisible_characters_are_refused() {
    let idp = TestIdp::new();
    let sign_up = |name: &'static str, email: &'static str| {
        json!({"ClientId": CLIENT_ID, "Username": format!("u{}", name.len() + email.len()), "Password": PASSWORD,
               "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": name}]})
    };
    for (name, email) in [
        ("Invoice \u{202e}gpj.exe", "a@example.com"),
        ("two\nlines", "b@example.com"),
        ("nul\0", "c@example.com"),
        ("Kim", "d\u{200b}@example.com"),
    ] {
        let (status, answer) = idp.call("SignUp", sign_up(name, email)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name:?} {email:?}: {answer}");
        assert_eq!(answer["__type"], "InvalidParameterException");
    }
    let (status, answer) = idp.call("SignUp", sign_up("Kim Min-jun 🎉", "e@example.com")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

#[tokio::test]
async fn duplicate_members_are_refused_as_the_rest_api_refuses_them() {
    let idp = TestIdp::with(|config| config.auto_confirm = true);
    let body = format!(
        r#"{{"ClientId":"{CLIENT_ID}","Username":"alice","Username":"mallory","Password":"{PASSWORD}",
            "UserAttributes":[{{"Name":"email","Value":"a@example.com"}}]}}"#
    );
    let request = Request::post("/idp")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.SignUp")
        .body(Body::from(body))
        .unwrap();
    let (status, _, answer) = idp.request(request).await;
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["__type"], "SerializationException");
    assert!(answer["message"].as_str().unwrap().contains("duplicate member \"Username\""), "{answer}");
}

#[tokio::test]
async fn every_error_is_cognito_json_even_oversized_bodies_and_unknown_paths() {
    let idp = TestIdp::new();
    let huge = format!(r#"{{"ClientId":"{}"}}"#, "x".repeat(70 * 1024));
    let request = Request::post("/idp")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.SignUp")
        .body(Body::from(huge))
        .unwrap();
    let answers = [
        idp.request(request).await,
        idp.request(Request::get("/idp/no/such/path").body(Body::empty()).unwrap()).await,
        idp.request(Request::get("/idp/").body(Body::empty()).unwrap()).await,
        idp.request(Request::delete("/idp/outbox").body(Body::empty()).unwrap()).await,
    ];
    let expected = [
        (StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLargeException"),
        (StatusCode::NOT_FOUND, "ResourceNotFoundException"),
        (StatusCode::METHOD_NOT_ALLOWED, "UnknownOperationException"),
        (StatusCode::METHOD_NOT_ALLOWED, "UnknownOperationException"),
    ];
    for ((status, headers, body), (want_status, want_type)) in answers.into_iter().zip(expected) {
        let body: Value = serde_json::from_slice(&body).unwrap_or_else(|_| panic!("{status}: not JSON"));
        assert_eq!((status, body["__type"].as_str()), (want_status, Some(want_type)), "{body}");
        assert_eq!(headers["content-type"], "application/x-amz-json-1.1");
    }
}

#[tokio::test]
async fn the_outbox_answers_only_direct_requests_from_this_machine() {
    let idp = TestIdp::new();
    let outbox = |peer: [u8; 4], header: Option<(&'static str, &'static str)>| {
        let mut request = Request::get("/idp/outbox").header("origin", "https://evil.example");
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        let mut request = request.body(Body::empty()).unwrap();
        request.extensions_mut().insert(ConnectInfo(SocketAddr::from((peer, 5000))));
        request
    };
    let (status, headers, _) = idp.request(outbox([127, 0, 0, 1], None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("access-control-allow-origin").is_none(), "no other origin may read the codes");
    for (peer, header) in [
        ([192, 0, 2, 1], None),
        ([127, 0, 0, 1], Some(("x-forwarded-for", "203.0.113.5"))),
        ([127, 0, 0, 1], Some(("forwarded", "for=203.0.113.5"))),
        ([127, 0, 0, 1], Some(("x-real-ip", "203.0.113.5"))),
    ] {
        let (status, _, body) = idp.request(outbox(peer, header)).await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN, "{peer:?} {header:?}");
        assert!(body["message"].as_str().unwrap().contains("direct requests"), "{body}");
    }
    let mut no_peer = Request::get("/idp/outbox").body(Body::empty()).unwrap();
    no_peer.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 1))));
    no_peer.extensions_mut().remove::<ConnectInfo<SocketAddr>>();
    // Without connection info the router would add loopback; build the app
    // without the helper to see that an unknown peer is refused.
    let app = idp.idp.router::<()>();
    let response = tower::ServiceExt::oneshot(app, Request::get("/outbox").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sign_ups_are_limited_per_client_with_retry_after() {
    let idp = TestIdp::with(|config| {
        config.limits.sign_up_per_client = moodchat_limits::Rate::per(2, Duration::from_secs(3600));
    });
    let sign_up = |n: u32| {
        json!({"ClientId": CLIENT_ID, "Username": format!("user{n}"), "Password": PASSWORD,
               "UserAttributes": [{"Name": "email", "Value": format!("user{n}@example.com")}]})
    };
    for n in 0..2 {
        assert_eq!(idp.call_from(client(1), "SignUp", sign_up(n)).await.0, StatusCode::OK);
    }
    let (status, headers, answer) = idp.call_with_headers(client(1), "SignUp", sign_up(2)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
    assert_eq!(answer["__type"], "TooManyRequestsException");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=1800).contains(&retry), "{retry}");
    assert_eq!(idp.call_from(client(2), "SignUp", sign_up(3)).await.0, StatusCode::OK, "another client is not affected");
}

/// The attack: InitiateAuth for random names, from one client, at the rate
/// measured against the old global table (about 34 a second), until the
/// table would be full; then a real user signs in. The table is made small
/// (100) so that filling it takes a second, not five minutes.
#[tokio::test]
async fn one_client_flooding_sign_in_starts_does_not_block_anyone_else() {
    let idp = TestIdp::with(|config| {
        config.auto_confirm = true;
        config.limits.challenges = ChallengeBounds { total: 100, ..ChallengeBounds::default() };
    });
    assert_eq!(idp.sign_up("mina", "mina@example.com", PASSWORD).await.0, StatusCode::OK);
    let srp = handmade_srp::Client::new();
    let mut throttled = 0;
    let started = tokio::time::Instant::now();
    for n in 0..150u32 {
        let (status, headers, answer) = idp
            .call_with_headers(
                client(66),
                "InitiateAuth",
                json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT_ID,
                       "AuthParameters": {"USERNAME": format!("random-{n}"), "SRP_A": srp.srp_a()}}),
            )
            .await;
        match status {
            StatusCode::OK => {}
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(headers.contains_key("retry-after"), "{answer}");
                throttled += 1;
            }
            other => panic!("{other}: {answer}"),
        }
        // 34 a second.
        tokio::time::sleep_until(started + Duration::from_millis(u64::from(n + 1) * 1000 / 34)).await;
    }
    assert!(throttled >= 80, "the flood was not throttled: {throttled} of 150 refused");
    let signed_in = idp.sign_in("mina", PASSWORD).await;
    assert!(signed_in.is_ok(), "{signed_in:?}");
}

/// Many clients together fill the table: the oldest challenges make room,
/// so a real user's fresh one is still there when they answer it.
#[tokio::test]
async fn a_full_challenge_table_evicts_the_oldest_and_sign_in_still_works() {
    let idp = TestIdp::with(|config| {
        config.auto_confirm = true;
        config.limits.challenges = ChallengeBounds { total: 50, ..ChallengeBounds::default() };
    });
    assert_eq!(idp.sign_up("joon", "joon@example.com", PASSWORD).await.0, StatusCode::OK);
    let srp = handmade_srp::Client::new();
    for n in 0..120u8 {
        let (status, answer) = idp
            .call_from(
                client(n),
                "InitiateAuth",
                json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT_ID,
                       "AuthParameters": {"USERNAME": format!("bot-{n}"), "SRP_A": srp.srp_a()}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    let signed_in = idp.sign_in("joon", PASSWORD).await;
    assert!(signed_in.is_ok(), "{signed_in:?}");
}

#[tokio::test]
async fn sign_in_starts_for_one_name_are_limited_from_every_address() {
    let idp = TestIdp::with(|config| {
        config.limits.initiate_auth_per_name = moodchat_limits::Rate::per(3, Duration::from_secs(60));
    });
    let srp = handmade_srp::Client::new();
    let start = |n: u8| {
        idp.call_from(
            client(n),
            "InitiateAuth",
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT_ID,
                   "AuthParameters": {"USERNAME": "Victim", "SRP_A": srp.srp_a()}}),
        )
    };
    for n in 0..3 {
        assert_eq!(start(n).await.0, StatusCode::OK);
    }
    let (status, answer) = start(9).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
}
