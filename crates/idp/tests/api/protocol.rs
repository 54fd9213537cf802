//! The wire protocol: targets, bodies, errors, CORS, mounting, discovery.

use axum::body::Body;
use axum::http::Request;
use serde_json::json;

use crate::support::*;

async fn raw_post(
    idp: &TestIdp,
    path: &str,
    target: Option<&str>,
    body: &str,
) -> (u16, serde_json::Value, axum::http::HeaderMap) {
    let mut request = Request::post(path).header("content-type", "application/x-amz-json-1.1");
    if let Some(target) = target {
        request = request.header("x-amz-target", target);
    }
    let (status, headers, body) = idp
        .request(request.body(Body::from(body.to_owned())).unwrap())
        .await;
    (
        status.as_u16(),
        serde_json::from_slice(&body).unwrap_or_default(),
        headers,
    )
}

#[tokio::test]
async fn answers_carry_the_amz_json_content_type_and_a_request_id() {
    let idp = TestIdp::new();
    let target = Some("AWSCognitoIdentityProviderService.ResendConfirmationCode");
    let body = json!({"ClientId": CLIENT_ID, "Username": "x"}).to_string();
    let (status, _, headers) = raw_post(&idp, "/idp", target, &body).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/x-amz-json-1.1");
    assert!(headers.contains_key("x-amzn-requestid"));

    let (status, answer, headers) = raw_post(&idp, "/idp", target, "{}").await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "InvalidParameterException");
    assert_eq!(headers["x-amzn-errortype"], "InvalidParameterException:");
    assert_eq!(headers["content-type"], "application/x-amz-json-1.1");
}

#[tokio::test]
async fn unknown_or_missing_targets_are_unknown_operations() {
    let idp = TestIdp::new();
    for target in [
        Some("AWSCognitoIdentityProviderService.AdminDeleteUser"),
        Some("DynamoDB_20120810.GetItem"),
        None,
    ] {
        let (status, answer, _) = raw_post(&idp, "/idp", target, "{}").await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "UnknownOperationException", "{target:?}");
    }
}

#[tokio::test]
async fn bodies_that_are_not_the_expected_json_are_serialization_errors() {
    let idp = TestIdp::new();
    let target = Some("AWSCognitoIdentityProviderService.SignUp");
    for body in [
        "{not json",
        "[1,2]",
        "\"text\"",
        r#"{"ClientId": "web", "Username": 5}"#,
        r#"{"UserAttributes": {"Name": "email"}}"#,
    ] {
        let (status, answer, _) = raw_post(&idp, "/idp", target, body).await;
        assert_eq!(status, 400);
        assert_eq!(answer["__type"], "SerializationException", "{body}");
    }
}

#[tokio::test]
async fn a_wrong_client_id_is_a_missing_resource() {
    let idp = TestIdp::new();
    for operation in [
        "SignUp",
        "ConfirmSignUp",
        "ResendConfirmationCode",
        "ForgotPassword",
        "ConfirmForgotPassword",
        "RespondToAuthChallenge",
    ] {
        let answer = idp
            .call(operation, json!({"ClientId": "nope", "Username": "x"}))
            .await;
        assert_error(
            &answer,
            "ResourceNotFoundException",
            "User pool client nope does not exist.",
        );
    }
    let answer = idp
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": "nope", "AuthParameters": {}}),
        )
        .await;
    assert_error(
        &answer,
        "ResourceNotFoundException",
        "User pool client nope does not exist.",
    );
}

#[tokio::test]
async fn missing_parameters_and_disabled_flows_are_invalid_parameters() {
    let idp = TestIdp::new();
    let answer = idp
        .call("InitiateAuth", json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT_ID, "AuthParameters": {"USERNAME": "a"}}))
        .await;
    assert_error(
        &answer,
        "InvalidParameterException",
        "Missing required parameter SRP_A",
    );
    let answer = idp
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT_ID, "AuthParameters": {}}),
        )
        .await;
    assert_error(
        &answer,
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    );
    let answer = idp
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "MAGIC", "ClientId": CLIENT_ID}),
        )
        .await;
    assert_eq!(answer.1["__type"], "InvalidParameterException");
    let answer = idp
        .call(
            "RespondToAuthChallenge",
            json!({"ChallengeName": "SMS_MFA", "ClientId": CLIENT_ID, "ChallengeResponses": {}}),
        )
        .await;
    assert_eq!(answer.1["__type"], "InvalidParameterException");
}

#[tokio::test]
async fn browsers_may_call_from_any_origin() {
    let idp = TestIdp::new();
    let preflight = Request::options("/idp")
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-amz-target,x-amz-user-agent,cache-control",
        )
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = idp.request(preflight).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(headers["access-control-allow-origin"], "*");
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in [
        "content-type",
        "x-amz-target",
        "x-amz-user-agent",
        "cache-control",
    ] {
        assert!(allowed.contains(header), "{header} not in {allowed}");
    }
    assert!(headers["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));

    let call = Request::post("/idp")
        .header("origin", "http://localhost:5173")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.GetUser")
        .body(Body::from("{}"))
        .unwrap();
    let (_, headers, _) = idp.request(call).await;
    assert_eq!(headers["access-control-allow-origin"], "*");
    let exposed = headers["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(exposed.contains("x-amzn-errortype") && exposed.contains("x-amzn-requestid"));
}

#[tokio::test]
async fn the_endpoint_answers_with_and_without_a_trailing_slash() {
    let idp = TestIdp::new();
    let target = Some("AWSCognitoIdentityProviderService.ForgotPassword");
    let body = json!({"ClientId": CLIENT_ID, "Username": "x"}).to_string();
    assert_eq!(raw_post(&idp, "/idp", target, &body).await.0, 200);
    assert_eq!(raw_post(&idp, "/idp/", target, &body).await.0, 200);
}

#[tokio::test]
async fn discovery_documents_name_the_issuer_and_its_keys() {
    let idp = TestIdp::new();
    let (status, config) = idp
        .get_json("/idp/local_moodchat/.well-known/openid-configuration")
        .await;
    assert_eq!(status, 200);
    assert_eq!(config["issuer"], idp.idp.issuer());
    assert_eq!(config["jwks_uri"], idp.idp.jwks_uri());
    assert_eq!(
        idp.idp.jwks_uri(),
        "http://127.0.0.1:8080/idp/local_moodchat/.well-known/jwks.json"
    );

    let (status, jwks) = idp
        .get_json("/idp/local_moodchat/.well-known/jwks.json")
        .await;
    assert_eq!(status, 200);
    let key = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["alg"].as_str(),
            key["use"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert_eq!(key["e"], "AQAB");
    assert!(
        key.get("d").is_none() && key.get("p").is_none(),
        "no private parts"
    );
    assert_eq!(
        idp.get_json("/idp/other_pool/.well-known/jwks.json")
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn explicit_nulls_read_as_absent_members() {
    let idp = TestIdp::new();
    let answer = idp
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT_ID, "AuthParameters": null, "Session": null, "ClientMetadata": null}),
        )
        .await;
    assert_error(
        &answer,
        "InvalidParameterException",
        "Missing required parameter USERNAME",
    );
    let answer = idp
        .call("SignUp", json!({"ClientId": CLIENT_ID, "Username": "n", "Password": PASSWORD, "UserAttributes": null}))
        .await;
    assert_error(
        &answer,
        "InvalidParameterException",
        "Attributes did not conform to the schema: email: The attribute is required\n",
    );
}

/// The router over a real socket, with a plain HTTP/1.1 request as a
/// browser would send it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_serves_over_a_real_socket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let idp = TestIdp::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = idp.app.clone();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let body = json!({"ClientId": CLIENT_ID, "Username": "sock", "Password": PASSWORD,
                      "UserAttributes": [{"Name": "email", "Value": "sock@example.com"}]})
    .to_string();
    let request = format!(
        "POST /idp HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\nOrigin: http://localhost:3000\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    server.abort();

    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_lowercase()
            .contains("access-control-allow-origin: *"),
        "{head}"
    );
    let answer: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(answer["UserConfirmed"], false);
    assert_eq!(
        idp.idp
            .outbox_messages(Some("sock@example.com"))
            .unwrap()
            .len(),
        1
    );
}
