//! The `http-api` function (this crate's real binary) behind the local
//! gateway's HTTP API and its JWT authorizer (payload 2.0 events, as API
//! Gateway sends them), on DynamoDB Local and moto, beside the WebSocket
//! functions: what the web app does in polling mode, and its uploads.

use super::gateway::{connect, id_token, join, next_of, stack_with};
use super::presigned::{check, Refused};
use super::support;

use std::time::SystemTime;

use moodchat_aws::sdk::Environment;
use moodchat_local_gateway::server::Gateway;
use serde_json::{json, Value};

/// A REST call as the web app makes it: the id token as a bearer token.
async fn api(gateway: &Gateway, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.request(method, format!("{}/api{path}", gateway.url)).header("Authorization", format!("Bearer {token}"));
    if let Some(body) = body {
        request = request.header("Content-Type", "application/json").body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|_| json!({ "text": text })))
}

#[test]
fn a_rest_send_reaches_the_lobbys_websocket_and_history_and_an_upload_ticket_works_with_s3() {
    let (dynamodb, moto) = (support::dynamodb_endpoint(), support::moto_endpoint());
    support::block_on(async {
        let stack = stack_with(dynamodb, Some(moto.clone())).await;
        let gateway = &stack.gateway;
        let ana = id_token(gateway, "ana@example.com", "Ana").await;
        let bo = id_token(gateway, "bo@example.com", "Bo").await;
        let mut bo_socket = connect(gateway, &bo).await.expect("bo connects");
        join(&mut bo_socket, None).await;
        next_of(&mut bo_socket, "joined").await;

        // The JWT authorizer answers a bad token before the function runs.
        let (status, _) = api(gateway, "GET", "/rooms", "not-a-token", None).await;
        assert_eq!(status, 401);

        let (status, rooms) = api(gateway, "GET", "/rooms", &ana, None).await;
        assert_eq!(status, 200, "{rooms}");
        let names: Vec<&str> = rooms["rooms"].as_array().unwrap().iter().filter_map(|r| r["name"].as_str()).collect();
        assert_eq!(names, ["Lobby"], "a signed-in user is in the lobby");

        let text = "I love this, what a great day";
        let (status, sent) =
            api(gateway, "POST", "/rooms/lobby/messages", &ana, Some(json!({"client_id": "r1", "text": text}))).await;
        assert_eq!(status, 201, "{sent}");
        assert_eq!((sent["seq"].as_u64(), sent["sentiment"]["label"].as_str()), (Some(1), Some("positive")));
        let pushed = next_of(&mut bo_socket, "message").await;
        assert_eq!(pushed["message"]["id"], sent["id"], "the REST send reached the WebSocket client");
        assert_eq!(pushed["message"]["text"], text);
        assert_eq!(pushed["message"]["sender"]["name"], "Ana");
        assert_eq!(pushed["message"]["sentiment"]["label"], "positive", "with its mood");
        let (status, again) =
            api(gateway, "POST", "/rooms/lobby/messages", &ana, Some(json!({"client_id": "r1", "text": text}))).await;
        assert_eq!((status, &again["id"]), (200, &sent["id"]), "a retry answers the original");

        let (status, page) = api(gateway, "GET", "/rooms/lobby/messages", &bo, None).await;
        assert_eq!(status, 200, "{page}");
        let messages = page["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 1, "{page}");
        assert_eq!((&messages[0]["id"], &messages[0]["sentiment"]["label"]), (&sent["id"], &json!("positive")));

        // Bad input: the protocol's JSON error, from the router in the function.
        let (status, error) = api(gateway, "POST", "/rooms/lobby/messages", &ana, Some(json!({"text": 5}))).await;
        assert_eq!((status, error["code"].as_str()), (400, Some("bad_request")), "{error}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{error}");
        let (status, error) = api(gateway, "GET", "/nowhere", &ana, None).await;
        assert_eq!((status, error["code"].as_str()), (404, Some("not_found")), "{error}");

        // An upload ticket: a presigned PUT the bytes go to S3 with.
        let image = vec![0x89u8; 300];
        let request = json!({"room": "lobby", "content_type": "image/png", "size": image.len()});
        let (status, ticket) = api(gateway, "POST", "/uploads", &ana, Some(request)).await;
        assert_eq!(status, 200, "{ticket}");
        assert_eq!(ticket["method"], "PUT");
        assert_eq!(ticket["headers"], json!({"Content-Type": "image/png"}));
        let url = ticket["url"].as_str().unwrap();
        assert!(url.starts_with(&moto), "the function presigns for the local S3: {url}");
        let key = ticket["key"].as_str().unwrap();
        assert!(key.starts_with("rooms/lobby/") && key.ends_with(".png"), "{key}");
        let response = reqwest::Client::new()
            .put(url)
            .header("Content-Type", "image/png")
            .body(image.clone())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.text().await.unwrap());
        let s3 = Environment::local(support::REGION).s3(Some(&moto));
        let bucket = &stack.gateway.stack.buckets[0].name;
        // The bytes landed: still under uploads/, or already taken by the
        // image pipeline the bucket's notification runs (300 bytes of 0x89
        // are no PNG: refused, the upload deleted).
        match s3.get_object().bucket(bucket).key(format!("uploads/{key}")).send().await {
            Ok(object) => assert_eq!(object.body.collect().await.unwrap().into_bytes().len(), image.len()),
            Err(_) => {
                let blob_key = moodchat_core::BlobKey::parse(key).unwrap();
                let item = stack.table.get(&moodchat_aws::dynamo::images::image_pk(&blob_key), "META").await.unwrap();
                let status = item.as_ref().and_then(|item| moodchat_aws::dynamo::attrs::text(item, "status"));
                assert_eq!(status, Some("rejected"), "the upload is gone, so the pipeline took it");
            }
        }
        // What S3 (unlike moto) refuses: another type or size than the ticket's.
        let now = SystemTime::now();
        let put = |content_type: &str, length: usize| {
            check("PUT", url, &[("Content-Type", content_type), ("Content-Length", &length.to_string())], now, support::REGION)
        };
        assert_eq!(put("image/png", image.len()), Ok(()));
        assert_eq!(put("image/svg+xml", image.len()), Err(Refused::SignatureDoesNotMatch));
        assert_eq!(put("image/png", image.len() + 1), Err(Refused::SignatureDoesNotMatch));

        // Tickets are refused for what the protocol refuses.
        let (status, error) =
            api(gateway, "POST", "/uploads", &ana, Some(json!({"room": "lobby", "content_type": "image/svg+xml", "size": 10}))).await;
        assert_eq!((status, error["code"].as_str()), (415, Some("unsupported_media_type")), "{error}");
        let too_big = json!({"room": "lobby", "content_type": "image/png", "size": 10_485_761});
        let (status, error) = api(gateway, "POST", "/uploads", &ana, Some(too_big)).await;
        assert_eq!((status, error["code"].as_str()), (413, Some("too_large")), "{error}");
    });
}

/// A ticket's image goes into a message once the image pipeline has marked
/// it ready (here its documented update, docs/aws.md "image ready", and the
/// objects it writes under `images/`): the message carries presigned GETs
/// of the image and its thumbnail; before that, and for anyone but the
/// uploader, the key is refused.
#[test]
fn an_uploaded_image_is_attached_once_ready_with_presigned_download_urls() {
    let (dynamodb, moto) = (support::dynamodb_endpoint(), support::moto_endpoint());
    support::block_on(async {
        let stack = stack_with(dynamodb, Some(moto.clone())).await;
        let gateway = &stack.gateway;
        let ana = id_token(gateway, "ana@example.com", "Ana").await;
        let bo = id_token(gateway, "bo@example.com", "Bo").await;
        let request = json!({"room": "lobby", "content_type": "image/png", "size": 100});
        let (status, ticket) = api(gateway, "POST", "/uploads", &ana, Some(request)).await;
        assert_eq!(status, 200, "{ticket}");
        let key_text = ticket["key"].as_str().unwrap().to_owned();
        let send = |token: String, client_id: &str| {
            let body = json!({"client_id": client_id, "text": "look", "image_key": key_text});
            async move { api(gateway, "POST", "/rooms/lobby/messages", &token, Some(body)).await }
        };
        let (status, error) = send(ana.clone(), "i1").await;
        assert_eq!((status, error["code"].as_str()), (400, Some("bad_request")), "still pending: {error}");

        let key = moodchat_core::BlobKey::parse(&key_text).unwrap();
        let s3 = Environment::local(support::REGION).s3(Some(&moto));
        let bucket = &gateway.stack.buckets[0].name;
        for (object, bytes) in [(key.clone(), &b"the image"[..]), (key.thumbnail(), &b"the thumbnail"[..])] {
            let put = s3.put_object().bucket(bucket).key(moodchat_aws::S3Signer::image_object(&object)).body(bytes.to_vec().into());
            put.send().await.unwrap();
        }
        assert!(super::s3::mark_ready(&stack.table, &key, 64, 48, 90, moodchat_local_gateway::now_ms()).await);

        let (status, error) = send(bo.clone(), "b1").await;
        assert_eq!((status, error["code"].as_str()), (403, Some("forbidden")), "someone else's upload: {error}");
        let (status, sent) = send(ana.clone(), "i2").await;
        assert_eq!(status, 201, "{sent}");
        let image = &sent["image"];
        assert_eq!((image["key"].as_str(), image["w"].as_u64(), image["h"].as_u64()), (Some(key_text.as_str()), Some(64), Some(48)));
        for (field, expected) in [("url", &b"the image"[..]), ("thumb_url", &b"the thumbnail"[..])] {
            let url = image[field].as_str().unwrap();
            assert_eq!(check("GET", url, &[], SystemTime::now(), support::REGION), Ok(()), "{field} is a presigned GET");
            let fetched = reqwest::get(url).await.unwrap();
            assert!(fetched.status().is_success(), "{field}: {url}");
            assert_eq!(fetched.bytes().await.unwrap().as_ref(), expected, "{field}");
        }
        let (status, page) = api(gateway, "GET", "/rooms/lobby/messages", &bo, None).await;
        assert_eq!(status, 200);
        assert_eq!(page["messages"][0]["image"]["key"], image["key"], "history carries the image");
    });
}
