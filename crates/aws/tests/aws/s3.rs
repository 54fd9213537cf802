//! The image adapters: `S3Signer` (upload tickets and download URLs,
//! presigned) and `DynamoImages` (the image items) on moto and DynamoDB
//! Local. What moto does not check (the signature covers the content type
//! and the exact length, the ticket expires) is checked against the URL the
//! adapter signed, as S3 would (`presigned::check`).

use super::presigned::{check, Refused};
use super::support;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use moodchat_aws::dynamo::images::{image_pk, DynamoImages};
use moodchat_aws::{S3Signer, Table};
use moodchat_core::images::UPLOAD_TICKET_TTL_MS;
use moodchat_core::ports::Clock;
use moodchat_core::{BlobKey, BlobSigner, ImageCatalog, ImageKind, UploadGrant};
use moodchat_protocol::UserRef;

/// A clock the test moves.
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// 2026-12-05 18:30:00.250 UTC.
const NOW_MS: i64 = 1_796_495_400_250;

struct Fixture {
    signer: S3Signer,
    images: DynamoImages,
    table: Table,
    s3: aws_sdk_s3::Client,
    bucket: String,
    clock: Arc<TestClock>,
}

fn fixture() -> Fixture {
    let table = support::fresh_table();
    let (s3, bucket) = support::fresh_bucket();
    let clock = Arc::new(TestClock(AtomicI64::new(NOW_MS)));
    let images = DynamoImages::new(table.clone(), clock.clone()).with_objects(s3.clone(), bucket.clone());
    let signer = S3Signer::new(s3.clone(), bucket.clone(), images.clone(), clock.clone());
    Fixture { signer, images, table, s3, bucket, clock }
}

fn grant(size: u64) -> UploadGrant {
    UploadGrant {
        key: BlobKey::new_upload("lobby", ImageKind::Png, NOW_MS),
        size,
        uploader: UserRef { sub: "sub-ana".into(), name: "Ana".into() },
        expires_at_ms: NOW_MS + UPLOAD_TICKET_TTL_MS,
    }
}

fn at_ms(ms: i64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms as u64)
}

#[test]
fn a_ticket_is_signed_for_its_content_type_and_exact_length_for_ten_minutes() {
    let f = fixture();
    let grant = grant(68);
    let ticket = support::block_on(f.signer.upload_ticket(&grant)).unwrap();
    assert_eq!(ticket.method, "PUT");
    assert_eq!(ticket.key, grant.key.to_string());
    assert_eq!(ticket.expires_at, NOW_MS + 600_000);
    assert_eq!(ticket.headers.into_iter().collect::<Vec<_>>(), [("Content-Type".to_owned(), "image/png".to_owned())]);
    let url = reqwest::Url::parse(&ticket.url).unwrap();
    assert_eq!(url.path(), format!("/{}/uploads/{}", f.bucket, grant.key), "path-style, under uploads/");
    let parameter = |name: &str| url.query_pairs().find(|(n, _)| n == name).map(|(_, v)| v.into_owned());
    assert_eq!(parameter("X-Amz-SignedHeaders").as_deref(), Some("content-length;content-type;host"));
    assert_eq!(parameter("X-Amz-Expires").as_deref(), Some("600"));

    let put = |content_type: &str, length: &str, at: i64| {
        check("PUT", &ticket.url, &[("Content-Type", content_type), ("Content-Length", length)], at_ms(at), support::REGION)
    };
    assert_eq!(put("image/png", "68", NOW_MS + 1_000), Ok(()), "the ticket's own PUT");
    assert_eq!(put("image/png", "68", NOW_MS + 599_000), Ok(()), "just before it expires");
    assert_eq!(put("image/png", "68", NOW_MS + 601_000), Err(Refused::Expired));
    assert_eq!(put("image/jpeg", "68", NOW_MS + 1_000), Err(Refused::SignatureDoesNotMatch), "another type");
    assert_eq!(put("text/html", "68", NOW_MS + 1_000), Err(Refused::SignatureDoesNotMatch), "another type");
    assert_eq!(put("image/png", "69", NOW_MS + 1_000), Err(Refused::SignatureDoesNotMatch), "a byte more");
    assert_eq!(put("image/png", "1000000", NOW_MS + 1_000), Err(Refused::SignatureDoesNotMatch), "far more");
    assert_eq!(
        check("PUT", &ticket.url, &[("Content-Type", "image/png")], at_ms(NOW_MS), support::REGION),
        Err(Refused::MissingHeader("content-length".into()))
    );
    // Another key with the same signature: another object, refused.
    let other = ticket.url.replace(&grant.key.id, &BlobKey::new_upload("lobby", ImageKind::Png, NOW_MS).id);
    assert_eq!(
        check("PUT", &other, &[("Content-Type", "image/png"), ("Content-Length", "68")], at_ms(NOW_MS), support::REGION),
        Err(Refused::SignatureDoesNotMatch)
    );
    assert_eq!(
        check("GET", &ticket.url, &[("Content-Type", "image/png"), ("Content-Length", "68")], at_ms(NOW_MS), support::REGION),
        Err(Refused::SignatureDoesNotMatch),
        "a PUT URL is no GET URL"
    );
}

#[test]
fn a_ticket_records_the_pending_image_which_is_not_attachable_yet() {
    let f = fixture();
    let grant = grant(1234);
    support::block_on(f.signer.upload_ticket(&grant)).unwrap();
    let item = support::block_on(f.table.get(&image_pk(&grant.key), "META")).unwrap().expect("the pending item");
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let number = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).map(|n| n.parse::<i64>().unwrap());
    assert_eq!(text("status").as_deref(), Some("pending"));
    assert_eq!(text("room").as_deref(), Some("lobby"));
    assert_eq!((text("uploader_sub").as_deref(), text("uploader_name").as_deref()), (Some("sub-ana"), Some("Ana")));
    assert_eq!(text("content_type").as_deref(), Some("image/png"));
    assert_eq!(number("size"), Some(1234));
    assert_eq!(number("expires_at"), Some((NOW_MS + 600_000) / 1000 + 86_400), "a day after the ticket");
    assert_eq!(support::block_on(f.images.stored_image(&grant.key)).unwrap(), None, "pending is not stored");
}

/// The image pipeline's update (docs/aws.md, "image ready"), as it runs on
/// the item a ticket wrote: conditional on `pending`, so it happens once.
pub(super) async fn mark_ready(table: &Table, key: &BlobKey, width: u32, height: u32, size: u64, at_ms: i64) -> bool {
    let outcome = table
        .client
        .update_item()
        .table_name(&table.name)
        .key("PK", AttributeValue::S(image_pk(key)))
        .key("SK", AttributeValue::S("META".into()))
        .update_expression("SET #status = :ready, w = :w, h = :h, #size = :size, thumb_key = :thumb, stored_at = :at REMOVE expires_at")
        .condition_expression("#status = :pending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_names("#size", "size")
        .expression_attribute_values(":ready", AttributeValue::S("ready".into()))
        .expression_attribute_values(":pending", AttributeValue::S("pending".into()))
        .expression_attribute_values(":w", AttributeValue::N(width.to_string()))
        .expression_attribute_values(":h", AttributeValue::N(height.to_string()))
        .expression_attribute_values(":size", AttributeValue::N(size.to_string()))
        .expression_attribute_values(":thumb", AttributeValue::S(key.thumbnail().to_string()))
        .expression_attribute_values(":at", AttributeValue::N(at_ms.to_string()))
        .send()
        .await;
    outcome.is_ok()
}

#[test]
fn the_catalog_finds_an_image_once_the_pipeline_marked_it_ready() {
    let f = fixture();
    let grant = grant(5000);
    support::block_on(async {
        f.signer.upload_ticket(&grant).await.unwrap();
        assert!(mark_ready(&f.table, &grant.key, 640, 480, 4321, NOW_MS + 5_000).await);
        assert!(!mark_ready(&f.table, &grant.key, 1, 1, 1, NOW_MS + 6_000).await, "the second one (S3 event or send) finds it done");
        let stored = f.images.stored_image(&grant.key).await.unwrap().expect("ready");
        assert_eq!(stored.key, grant.key);
        assert_eq!(stored.uploader, grant.uploader);
        assert_eq!((stored.width, stored.height, stored.size), (640, 480, 4321));
        assert_eq!(stored.content_type, "image/png");
        assert_eq!(stored.stored_at_ms, NOW_MS + 5_000);
        let unknown = BlobKey::new_upload("lobby", ImageKind::Png, NOW_MS);
        assert_eq!(f.images.stored_image(&unknown).await.unwrap(), None);
    });
}

#[test]
fn a_put_with_the_ticket_lands_under_uploads_in_the_bucket() {
    let f = fixture();
    let body = vec![7u8; 68];
    let grant = grant(body.len() as u64);
    // Signed now, so that S3 (here moto) sees a valid date.
    f.clock.0.store(moodchat_local_gateway::now_ms(), Ordering::SeqCst);
    support::block_on(async {
        let ticket = f.signer.upload_ticket(&grant).await.unwrap();
        let mut request = reqwest::Client::new().put(&ticket.url).body(body.clone());
        for (name, value) in &ticket.headers {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{}", response.text().await.unwrap());
        let object = f.s3.get_object().bucket(&f.bucket).key(S3Signer::upload_object(&grant.key)).send().await.unwrap();
        assert_eq!(object.content_type(), Some("image/png"));
        assert_eq!(object.body.collect().await.unwrap().into_bytes().as_ref(), body.as_slice());
    });
}

#[test]
fn download_urls_read_the_stored_image_and_repeat_within_a_quarter_hour() {
    let f = fixture();
    let key = BlobKey::new_upload("lobby", ImageKind::Jpeg, NOW_MS);
    let now = moodchat_local_gateway::now_ms();
    f.clock.0.store(now - now.rem_euclid(900_000) + 1_000, Ordering::SeqCst);
    support::block_on(async {
        let bytes = b"the stored image".to_vec();
        f.s3.put_object()
            .bucket(&f.bucket)
            .key(S3Signer::image_object(&key))
            .body(bytes.clone().into())
            .send()
            .await
            .unwrap();
        let url = f.signer.download_url(&key).await.unwrap();
        assert!(reqwest::Url::parse(&url).unwrap().path().ends_with(&format!("/images/{key}")), "{url}");
        assert_eq!(check("GET", &url, &[], at_ms(f.clock.now_ms()), support::REGION), Ok(()));
        let fetched = reqwest::get(&url).await.unwrap();
        assert!(fetched.status().is_success());
        assert_eq!(fetched.bytes().await.unwrap().as_ref(), bytes.as_slice());
        // Later in the same quarter hour: the same URL (the browser's cache
        // holds); in the next one, a new one, still valid for over an hour.
        f.clock.0.fetch_add(800_000, Ordering::SeqCst);
        assert_eq!(f.signer.download_url(&key).await.unwrap(), url);
        f.clock.0.fetch_add(100_000, Ordering::SeqCst);
        let next = f.signer.download_url(&key).await.unwrap();
        assert_ne!(next, url);
        let in_an_hour = f.clock.now_ms() + 3_600_000;
        assert_eq!(check("GET", &next, &[], at_ms(in_an_hour), support::REGION), Ok(()));
        assert_eq!(check("GET", &url, &[], at_ms(in_an_hour + 900_000), support::REGION), Err(Refused::Expired));
    });
}

/// An unsent message's image: the item, the image, its thumbnail and the
/// upload are all gone; removing again is fine.
#[test]
fn an_unsent_image_is_removed_from_the_table_and_the_bucket() {
    let f = fixture();
    let grant = grant(16);
    support::block_on(async {
        f.signer.upload_ticket(&grant).await.unwrap();
        assert!(mark_ready(&f.table, &grant.key, 4, 4, 16, NOW_MS + 5_000).await);
        let objects =
            [S3Signer::image_object(&grant.key), S3Signer::image_object(&grant.key.thumbnail()), S3Signer::upload_object(&grant.key)];
        for object in &objects {
            f.s3.put_object().bucket(&f.bucket).key(object).body(b"pixels".to_vec().into()).send().await.unwrap();
        }
        f.images.remove_image(&grant.key).await.unwrap();
        assert_eq!(f.images.stored_image(&grant.key).await.unwrap(), None);
        for object in &objects {
            let gone = f.s3.head_object().bucket(&f.bucket).key(object).send().await;
            assert!(gone.is_err(), "{object} is still in the bucket");
        }
        f.images.remove_image(&grant.key).await.unwrap();
    });
}
