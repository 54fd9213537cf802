//! What a pipeline test runs on: moto (S3 and SNS) shared by the test
//! binary (`support::moto_endpoint`), and per test a table (DynamoDB
//! Local), a bucket and a topic of its own, the pending item a ticket leaves, and the upload a browser's
//! presigned PUT leaves.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream;
use moodchat_aws::dynamo::attrs;
use moodchat_aws::dynamo::images::{image_pk, DynamoImages};
use moodchat_aws::pipeline::items::ImageItems;
use moodchat_aws::pipeline::notice::SnsNotifier;
use moodchat_aws::pipeline::objects::{image_key, upload_key, Bucket};
use moodchat_aws::pipeline::{Pipeline, Settings};
use moodchat_aws::sdk::Environment;
use moodchat_aws::Table;
use moodchat_core::images::UPLOAD_TICKET_TTL_MS;
use moodchat_core::{BlobKey, ImageKind, SystemClock, UploadGrant};
use moodchat_protocol::UserRef;
use serde_json::{json, Value};

use super::super::support::{self, block_on, REGION};

/// One test's bucket, topic and table, and a pipeline on them.
pub struct Stack {
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    pub topic_arn: String,
    pub table: Table,
    pub moto: String,
}

impl Stack {
    pub fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let moto = support::moto_endpoint();
        let table = support::fresh_table();
        let (s3, bucket) = support::fresh_bucket();
        let sns = Environment::local(REGION).sns(Some(&moto));
        let name = format!("pipeline-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let topic_arn = block_on(sns.create_topic().name(&name).send()).unwrap().topic_arn.unwrap();
        Self { s3, bucket, topic_arn, table, moto }
    }

    /// On a bucket, topic and table made elsewhere (the local gateway's,
    /// provisioned from the template).
    pub fn on(moto: &str, bucket: &str, topic_arn: &str, table: Table) -> Self {
        let s3 = Environment::local(REGION).s3(Some(moto));
        Self { s3, bucket: bucket.to_owned(), topic_arn: topic_arn.to_owned(), table, moto: moto.to_owned() }
    }

    pub fn pipeline(&self, settings: Settings) -> Pipeline {
        let environment = Environment::local(REGION);
        Pipeline::new(
            Bucket::new(self.s3.clone(), &self.bucket),
            ImageItems::new(self.table.clone()),
            Arc::new(SnsNotifier::new(environment.sns(Some(&self.moto)), &self.topic_arn)),
            Arc::new(SystemClock),
            settings,
        )
    }

    /// What granting an upload ticket leaves: the pending item for exactly
    /// `size` bytes, written by the ticket's own adapter (`DynamoImages`).
    pub async fn ticket(&self, kind: ImageKind, size: usize) -> BlobKey {
        let now_ms = now_ms();
        let key = BlobKey::new_upload("lobby", kind, now_ms);
        let grant = UploadGrant {
            key: key.clone(),
            size: size as u64,
            uploader: UserRef { sub: "sub-alice".into(), name: "Alice".into() },
            expires_at_ms: now_ms + UPLOAD_TICKET_TTL_MS,
        };
        DynamoImages::new(self.table.clone(), Arc::new(SystemClock)).record_pending(&grant).await.unwrap();
        key
    }

    /// The browser's PUT to `uploads/<key>`.
    pub async fn upload(&self, key: &BlobKey, bytes: Vec<u8>) {
        self.put(&upload_key(key), key.kind.content_type(), bytes).await;
    }

    pub async fn put(&self, object_key: &str, content_type: &str, bytes: Vec<u8>) {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(object_key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .unwrap();
    }

    /// An object's bytes, if it exists.
    pub async fn object(&self, object_key: &str) -> Option<Vec<u8>> {
        match self.s3.get_object().bucket(&self.bucket).key(object_key).send().await {
            Ok(output) => Some(output.body.collect().await.unwrap().into_bytes().to_vec()),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => None,
            Err(error) => panic!("GetObject {object_key}: {error:?}"),
        }
    }

    pub async fn image(&self, key: &BlobKey) -> Option<Vec<u8>> {
        self.object(&image_key(key)).await
    }

    pub async fn keys(&self) -> Vec<String> {
        let listed = self.s3.list_objects_v2().bucket(&self.bucket).send().await.unwrap();
        listed.contents.unwrap_or_default().into_iter().filter_map(|object| object.key).collect()
    }

    /// The image item as stored.
    pub async fn item(&self, key: &BlobKey) -> Value {
        let item = self.table.get(&image_pk(key), "META").await.unwrap().expect("the image item");
        attrs::map_to_json(&item)
    }

    /// The notices moto recorded as published to this test's topic
    /// (moto's own API: /moto-api/data.json lists each topic's
    /// `sent_notifications` as [id, message, subject, attributes, group]).
    pub async fn notices(&self) -> Vec<Value> {
        let data: Value =
            reqwest::get(format!("{}/moto-api/data.json", self.moto)).await.unwrap().json().await.unwrap();
        let topics = data["sns"]["Topic"].as_array().cloned().unwrap_or_default();
        let topic =
            topics.iter().find(|topic| topic["arn"] == self.topic_arn.as_str()).expect("the topic in moto's data");
        topic["sent_notifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|sent| serde_json::from_str(sent[1].as_str().unwrap()).unwrap())
            .collect()
    }
}

/// The S3 event for uploads of these objects, as S3 sends it (keys
/// URL-encoded).
pub fn s3_event(bucket: &str, object_keys: &[String]) -> Value {
    let records: Vec<Value> = object_keys
        .iter()
        .map(|key| {
            json!({
                "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION,
                "eventTime": "2026-12-05T18:00:00.000Z", "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAJDPLRKLG7UEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
                "s3": {
                    "s3SchemaVersion": "1.0", "configurationId": "Upload",
                    "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"}, "arn": format!("arn:aws:s3:::{bucket}")},
                    "object": {"key": urlencoding::encode(key).replace("%2F", "/"), "size": 1, "eTag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "0055AED6DCD90281E5"}
                }
            })
        })
        .collect();
    json!({ "Records": records })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}
