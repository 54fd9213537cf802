//! The `image-pipeline` binary itself, run by the local gateway from
//! infra/template.yaml (its environment as the template sets it, moto and
//! DynamoDB Local behind the SDK's endpoint variables) and invoked through
//! S3's notification of an upload (the gateway's emulation of it) and
//! through the Lambda Invoke API, as a send invokes it and with the event
//! S3 sends.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use moodchat_aws::pipeline::catalog::{LambdaPipeline, Processor};
use moodchat_aws::pipeline::objects::upload_key;
use moodchat_aws::pipeline::ImageRecord;
use moodchat_aws::sdk::Environment;
use moodchat_aws::Table;
use moodchat_core::ImageKind;
use moodchat_local_gateway::server::{start, Gateway, GatewayOptions};
use moodchat_local_gateway::template::LocalNames;
use moodchat_local_gateway::websocket::Limits;
use serde_json::{json, Value};

use super::super::support::{self, block_on};
use super::photos;
use super::stack::{s3_event, Stack};

async fn gateway(data: &tempfile::TempDir, dynamodb: String, moto: &str) -> Gateway {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let repo = PathBuf::from(manifest).join("../..");
    let binaries = HashMap::from([
        ("ImagePipelineFunction".to_owned(), PathBuf::from(env!("CARGO_BIN_EXE_image-pipeline"))),
        ("HttpApiFunction".to_owned(), PathBuf::from(env!("CARGO_BIN_EXE_http-api"))),
    ]);
    let names = LocalNames {
        stack_name: format!("pipeline-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)),
        ..LocalNames::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    start(
        listener,
        GatewayOptions {
            template: repo.join("infra/template.yaml"),
            parameters: HashMap::new(),
            names,
            binary_dir: data.path().join("no-binaries"),
            binary_overrides: binaries,
            max_instances: 2,
            limits: Limits::default(),
            dist: None,
            idp_data_dir: data.path().join("idp"),
            auto_confirm: true,
            dynamodb_endpoint: Some(dynamodb),
            moto_endpoint: Some(moto.to_owned()),
            provision: true,
        },
    )
    .await
    .unwrap()
}

/// A synchronous invocation: the function's answer, or its error document.
async fn invoke(gateway: &Gateway, function: &str, payload: &Value) -> Result<Value, Value> {
    let response = reqwest::Client::new()
        .post(format!("{}/2015-03-31/functions/{function}/invocations", gateway.url))
        .json(payload)
        .send()
        .await
        .unwrap();
    let failed = response.headers().contains_key("x-amz-function-error");
    let body: Value = response.json().await.unwrap();
    if failed {
        Err(body)
    } else {
        Ok(body)
    }
}

#[test]
fn the_function_from_the_template_processes_an_upload_when_it_lands_and_answers_sends_and_s3() {
    let data = tempfile::tempdir().unwrap();
    // Found outside the test's future: they block on the runtime.
    let (dynamodb, moto) = (support::dynamodb_endpoint(), support::moto_endpoint());
    block_on(async {
        let moto = moto.as_str();
        let gateway = gateway(&data, dynamodb.clone(), moto).await;
        let function = gateway.stack.functions["ImagePipelineFunction"].name.clone();
        let environment = &gateway.stack.functions["ImagePipelineFunction"].environment;
        let table = Table::new(
            Environment::local(support::REGION).dynamodb(Some(&dynamodb)),
            environment["MOODCHAT_TABLE_NAME"].clone(),
        );
        let stack = Stack::on(moto, &environment["MOODCHAT_BUCKET_NAME"], &environment["MOODCHAT_TOPIC_ARN"], table);

        // The browser's PUT lands in the bucket: S3's notification (the
        // gateway's, from the template's S3 event) runs the function.
        let photo = photos::jpeg_with_exif(64, 32);
        let key = stack.ticket(ImageKind::Jpeg, photo.len()).await;
        stack.upload(&key, photo).await;
        support::eventually("the upload processed by the notification's function", Duration::from_secs(30), || async {
            (stack.item(&key).await["status"] == "ready").then_some(())
        })
        .await;
        assert!(stack.image(&key.thumbnail()).await.is_some());
        assert_eq!(stack.object(&upload_key(&key)).await, None, "the upload is deleted");

        // A send naming it invokes the function directly and gets its record.
        let answer = invoke(&gateway, &function, &json!({"key": key.to_string()})).await.unwrap();
        assert_eq!(
            (answer["status"].as_str(), answer["w"].as_u64(), answer["h"].as_u64()),
            (Some("ready"), Some(32), Some(64)),
            "{answer}"
        );
        assert_eq!(stack.notices().await.len(), 1);
        // The client ws-default and http-api invoke it with answers the same.
        let client = LambdaPipeline::new(Environment::local(support::REGION).lambda(Some(&gateway.url)), &function);
        assert_eq!(client.process(&key).await.unwrap().to_json(), answer);
        let waiting = stack.ticket(ImageKind::Png, 100).await;
        assert_eq!(client.process(&waiting).await.unwrap(), ImageRecord::Pending { key: waiting.clone() });

        // S3's event for another upload; a malformed event fails that
        // invocation only, and the next one is served.
        let bytes = b"plain text behind a ticket for a GIF".to_vec();
        let refused = stack.ticket(ImageKind::Gif, bytes.len()).await;
        stack.upload(&refused, bytes).await;
        let error = invoke(&gateway, &function, &json!({"Records": [{"s3": {}}]})).await.unwrap_err();
        assert!(error.to_string().contains("BadRequest"), "{error}");
        let answers = invoke(&gateway, &function, &s3_event(&stack.bucket, &[upload_key(&refused)])).await.unwrap();
        assert_eq!(
            (answers[0]["status"].as_str(), answers[0]["reason"]["code"].as_str()),
            (Some("rejected"), Some("unsupported_media_type")),
            "{answers}"
        );
        assert_eq!(stack.object(&upload_key(&refused)).await, None);
        assert_eq!(stack.notices().await.len(), 1);
    });
}

/// A REST call as the web app makes it, the id token as a bearer token.
async fn api(gateway: &Gateway, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}/api{path}", gateway.url))
        .header("Authorization", format!("Bearer {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// What the web app does on AWS to send a photo: a ticket from the HTTP API,
/// the PUT to S3 with it, then at once the send naming the key (processed by
/// S3's notification or, if the send comes first, for the send); the
/// message's presigned URLs fetch the cleaned, upright image and its
/// thumbnail.
#[test]
fn a_photo_sent_right_after_its_upload_goes_out_with_urls_to_the_clean_image() {
    let data = tempfile::tempdir().unwrap();
    let (dynamodb, moto) = (support::dynamodb_endpoint(), support::moto_endpoint());
    block_on(async {
        let moto = moto.as_str();
        let gateway = gateway(&data, dynamodb.clone(), moto).await;
        let environment = &gateway.stack.functions["ImagePipelineFunction"].environment;
        let table = Table::new(
            Environment::local(support::REGION).dynamodb(Some(&dynamodb)),
            environment["MOODCHAT_TABLE_NAME"].clone(),
        );
        let stack = Stack::on(moto, &environment["MOODCHAT_BUCKET_NAME"], &environment["MOODCHAT_TOPIC_ARN"], table);
        let ana = crate::gateway::id_token(&gateway, "ana@example.com", "Ana").await;
        let (status, _) = api(&gateway, reqwest::Method::GET, "/rooms", &ana, None).await;
        assert_eq!(status, 200);

        let photo = photos::jpeg_with_exif(120, 60);
        let request = json!({"room": "lobby", "content_type": "image/jpeg", "size": photo.len()});
        let (status, ticket) = api(&gateway, reqwest::Method::POST, "/uploads", &ana, Some(request)).await;
        assert_eq!(status, 200, "{ticket}");
        let key = moodchat_core::BlobKey::parse(ticket["key"].as_str().unwrap()).unwrap();
        let put = reqwest::Client::new()
            .put(ticket["url"].as_str().unwrap())
            .header("Content-Type", "image/jpeg")
            .body(photo)
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success(), "{}", put.text().await.unwrap());

        // Sent at once, as the web app does when the PUT ends: processed for
        // the send if S3's notification has not come yet, never refused.
        let body = json!({"client_id": "p1", "text": "sunset", "image_key": key.to_string()});
        let (status, sent) = api(&gateway, reqwest::Method::POST, "/rooms/lobby/messages", &ana, Some(body)).await;
        assert_eq!(status, 201, "{sent}");
        let image = &sent["image"];
        assert_eq!((image["w"].as_u64(), image["h"].as_u64()), (Some(60), Some(120)), "upright: {image}");
        let original = reqwest::get(image["url"].as_str().unwrap()).await.unwrap().bytes().await.unwrap();
        assert!(!photos::contains(&original, b"Exif\0\0") && !photos::contains(&original, photos::GPS_MARKER));
        let decoded = image::load_from_memory_with_format(&original, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (60, 120));
        let thumbnail = reqwest::get(image["thumb_url"].as_str().unwrap()).await.unwrap().bytes().await.unwrap();
        assert!(image::load_from_memory_with_format(&thumbnail, image::ImageFormat::Jpeg).is_ok());
        assert_eq!(stack.notices().await.len(), 1, "the administrators heard of it once");
    });
}
