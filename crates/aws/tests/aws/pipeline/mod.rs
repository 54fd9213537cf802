//! The image pipeline (`moodchat_aws::pipeline`, the `image-pipeline`
//! function) on moto's S3 and SNS and DynamoDB Local: what a browser's
//! upload turns into, what is refused, that racing invocations store and
//! announce an image once, and that a send naming an upload not processed
//! yet has it processed at once.

mod function;
mod photos;
mod stack;

use std::sync::Arc;

use futures_util::future::join_all;
use image::GenericImageView;
use moodchat_aws::dynamo::images::DynamoImages;
use moodchat_aws::pipeline::catalog::ProcessingCatalog;
use moodchat_aws::pipeline::items::ImageItems;
use moodchat_aws::pipeline::objects::upload_key;
use moodchat_aws::pipeline::Settings;
use moodchat_core::{ImageCatalog, ImageKind, SystemClock};
use serde_json::json;

use super::support::block_on;
use photos::{contains, GPS_MARKER};
use stack::{s3_event, Stack};

#[test]
fn a_photo_on_its_side_is_stored_upright_without_its_metadata_with_a_thumbnail_and_announced() {
    let stack = Stack::new();
    let pipeline = stack.pipeline(Settings::default());
    block_on(async {
        let photo = photos::jpeg_with_exif(600, 300);
        let key = stack.ticket(ImageKind::Jpeg, photo.len()).await;
        stack.upload(&key, photo).await;

        let answer = pipeline.handle(&s3_event(&stack.bucket, &[upload_key(&key)])).await.unwrap();
        let record = &answer[0];
        assert_eq!(record["status"], "ready", "{answer}");
        assert_eq!((record["w"].as_u64(), record["h"].as_u64()), (Some(300), Some(600)), "orientation 6 applied");

        let original = stack.image(&key).await.expect("the image under images/");
        assert!(
            !contains(&original, b"Exif\0\0") && !contains(&original, GPS_MARKER),
            "metadata left in the stored image"
        );
        let upright = image::load_from_memory_with_format(&original, image::ImageFormat::Jpeg).unwrap();
        assert_eq!(upright.dimensions(), (300, 600));
        let (top, bottom) = (upright.get_pixel(150, 100), upright.get_pixel(150, 500));
        assert!(top[0] > 150 && top[2] < 100, "the left of the sensor (red) is on top: {top:?}");
        assert!(bottom[2] > 150 && bottom[0] < 100, "blue below: {bottom:?}");
        assert_eq!(record["size"].as_u64(), Some(original.len() as u64));

        let thumbnail = stack.image(&key.thumbnail()).await.expect("the thumbnail under images/");
        let thumbnail = image::load_from_memory_with_format(&thumbnail, image::ImageFormat::Jpeg).unwrap();
        assert_eq!(thumbnail.dimensions(), (240, 480), "fits in 480 px, aspect kept");
        assert_eq!(record["thumb_key"], key.thumbnail().to_string());

        assert_eq!(stack.object(&upload_key(&key)).await, None, "the upload is deleted");
        let item = stack.item(&key).await;
        assert_eq!(
            (item["status"].as_str(), item["w"].as_u64(), item["h"].as_u64()),
            (Some("ready"), Some(300), Some(600))
        );
        assert!(item.get("expires_at").is_none(), "a ready image does not expire with its ticket: {item}");

        let notices = stack.notices().await;
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert_eq!(notices[0]["key"], key.to_string());
        assert_eq!(notices[0]["uploader"], json!({"sub": "sub-alice", "name": "Alice"}));
        assert_eq!((notices[0]["width"].as_u64(), notices[0]["height"].as_u64()), (Some(300), Some(600)));

        // A send naming it later gets the same record, and nothing is redone.
        let again = pipeline.handle(&json!({"key": key.to_string()})).await.unwrap();
        assert_eq!(&again, record);
        assert_eq!(stack.notices().await.len(), 1);
    });
}

#[test]
fn invocations_racing_for_one_upload_store_and_announce_it_once() {
    let stack = Stack::new();
    let pipeline = stack.pipeline(Settings::default());
    block_on(async {
        let bytes = photos::png(800, 200);
        let key = stack.ticket(ImageKind::Png, bytes.len()).await;
        stack.upload(&key, bytes).await;

        // The S3 event and sends naming the image, all at once.
        let event = s3_event(&stack.bucket, &[upload_key(&key)]);
        let direct = json!({"key": key.to_string()});
        let calls = (0..4).map(|i| {
            let (pipeline, event, direct) = (&pipeline, &event, &direct);
            async move {
                if i == 0 {
                    pipeline.handle(event).await.unwrap()[0].clone()
                } else {
                    pipeline.handle(direct).await.unwrap()
                }
            }
        });
        let answers = join_all(calls).await;
        assert_eq!(answers[0]["status"], "ready", "{answers:?}");
        assert!(answers.iter().all(|answer| answer == &answers[0]), "every caller gets the same record: {answers:?}");
        assert_eq!(stack.notices().await.len(), 1, "announced once");
        let mut keys = stack.keys().await;
        keys.sort();
        let mut expected = vec![format!("images/{key}"), format!("images/{}", key.thumbnail())];
        expected.sort();
        assert_eq!(keys, expected, "the image and its thumbnail, the upload gone");
    });
}

#[test]
fn a_png_named_jpg_and_text_named_png_are_rejected_and_removed() {
    let stack = Stack::new();
    let pipeline = stack.pipeline(Settings::default());
    block_on(async {
        let png = photos::png(40, 40);
        let disguised = stack.ticket(ImageKind::Jpeg, png.len()).await;
        stack.upload(&disguised, png).await;
        let text = b"<script>alert('not an image')</script>".to_vec();
        let script = stack.ticket(ImageKind::Png, text.len()).await;
        stack.upload(&script, text).await;

        let answers =
            pipeline.handle(&s3_event(&stack.bucket, &[upload_key(&disguised), upload_key(&script)])).await.unwrap();
        assert_eq!(answers[0]["status"], "rejected", "{answers}");
        assert_eq!(answers[0]["reason"]["code"], "unsupported_media_type");
        assert_eq!(answers[0]["reason"]["message"], "declared image/jpeg but the content is image/png");
        assert_eq!(answers[1]["status"], "rejected");
        assert_eq!(
            answers[1]["reason"],
            json!({"code": "unsupported_media_type", "message": "the content is not image/png"})
        );

        assert_eq!(stack.keys().await, Vec::<String>::new(), "uploads deleted, nothing stored");
        let item = stack.item(&disguised).await;
        assert_eq!(
            (item["status"].as_str(), item["reason_code"].as_str()),
            (Some("rejected"), Some("unsupported_media_type"))
        );
        assert!(item["expires_at"].is_number(), "a refused item goes away with its ticket");
        assert_eq!(stack.notices().await.len(), 0);

        // The send that names it learns why, and a second PUT with the
        // ticket's URL (now a real PNG) is not processed: the verdict stands.
        let answer = pipeline.handle(&json!({"key": script.to_string()})).await.unwrap();
        assert_eq!(answer, answers[1]);
        stack.upload(&script, photos::png(10, 10)).await;
        assert_eq!(pipeline.process(&script).await.unwrap().to_json(), answers[1]);
        assert_eq!(stack.keys().await, Vec::<String>::new());
    });
}

#[test]
fn a_decode_bomb_an_oversized_upload_and_a_size_other_than_the_tickets_are_rejected() {
    let stack = Stack::new();
    let pipeline = stack.pipeline(Settings { max_upload_bytes: 4_000, ..Settings::default() });
    block_on(async {
        let bomb = photos::png_bomb();
        assert!(bomb.len() < 4_000);
        let bombed = stack.ticket(ImageKind::Png, bomb.len()).await;
        stack.upload(&bombed, bomb).await;
        // Never read, let alone decoded: refused by its length.
        let big = vec![0u8; 5_000];
        let oversized = stack.ticket(ImageKind::Png, big.len()).await;
        stack.upload(&oversized, big).await;
        let small = photos::png(8, 8);
        let resized = stack.ticket(ImageKind::Png, small.len() + 1).await;
        stack.upload(&resized, small).await;

        let answers = pipeline
            .handle(&s3_event(&stack.bucket, &[upload_key(&bombed), upload_key(&oversized), upload_key(&resized)]))
            .await
            .unwrap();
        assert_eq!(
            (answers[0]["status"].as_str(), answers[0]["reason"]["code"].as_str()),
            (Some("rejected"), Some("too_large")),
            "{answers}"
        );
        assert_eq!(
            (answers[1]["status"].as_str(), answers[1]["reason"]["code"].as_str()),
            (Some("rejected"), Some("too_large"))
        );
        assert_eq!(
            (answers[2]["status"].as_str(), answers[2]["reason"]["code"].as_str()),
            (Some("rejected"), Some("bad_request"))
        );
        assert_eq!(stack.keys().await, Vec::<String>::new());
        assert_eq!(stack.notices().await.len(), 0);
    });
}

#[test]
fn a_send_before_the_upload_waits_and_an_upload_without_a_ticket_is_deleted() {
    let stack = Stack::new();
    let pipeline = stack.pipeline(Settings::default());
    block_on(async {
        let bytes = photos::png(16, 16);
        let key = stack.ticket(ImageKind::Png, bytes.len()).await;
        let early = pipeline.handle(&json!({"key": key.to_string()})).await.unwrap();
        assert_eq!(early, json!({"key": key.to_string(), "status": "pending"}));
        assert_eq!(stack.item(&key).await["status"], "pending");

        let unticketed = moodchat_core::BlobKey::new_upload("lobby", ImageKind::Png, 1_700_000_000_000);
        stack.upload(&unticketed, bytes.clone()).await;
        stack.put("uploads/not-a-key.png", "image/png", bytes).await;
        let answers = pipeline
            .handle(&s3_event(&stack.bucket, &[upload_key(&unticketed), "uploads/not-a-key.png".to_owned()]))
            .await
            .unwrap();
        assert_eq!(
            (answers[0]["status"].as_str(), answers[0]["reason"]["code"].as_str()),
            (Some("rejected"), Some("not_found")),
            "{answers}"
        );
        assert_eq!(stack.keys().await, Vec::<String>::new(), "both deleted");

        let error = pipeline.handle(&json!({"key": "rooms/lobby/../../secret"})).await.unwrap_err();
        assert_eq!(error.code, moodchat_protocol::ErrorCode::BadRequest);
    });
}

#[test]
fn a_send_naming_an_image_still_pending_gets_it_processed_at_once_or_learns_why_not() {
    let stack = Stack::new();
    let pipeline = Arc::new(stack.pipeline(Settings::default()));
    let catalog = ProcessingCatalog::new(
        DynamoImages::new(stack.table.clone(), Arc::new(SystemClock)),
        ImageItems::new(stack.table.clone()),
        pipeline,
        Arc::new(SystemClock),
    );
    block_on(async {
        let photo = photos::jpeg_with_exif(80, 40);
        let key = stack.ticket(ImageKind::Jpeg, photo.len()).await;
        assert_eq!(catalog.stored_image(&key).await.unwrap(), None, "nothing uploaded yet");
        stack.upload(&key, photo).await;
        // No S3 event here: the catalog runs the pipeline itself.
        let stored = catalog.stored_image(&key).await.unwrap().expect("processed for the send");
        assert_eq!((stored.width, stored.height), (40, 80), "upright");
        assert_eq!(stack.item(&key).await["status"], "ready");
        assert_eq!(catalog.stored_image(&key).await.unwrap(), Some(stored), "then read as stored");
        assert_eq!(stack.notices().await.len(), 1);

        let text = b"not a png at all".to_vec();
        let refused = stack.ticket(ImageKind::Png, text.len()).await;
        stack.upload(&refused, text).await;
        let error = catalog.stored_image(&refused).await.unwrap_err();
        assert_eq!(error.code, moodchat_protocol::ErrorCode::UnsupportedMediaType, "the sender learns why: {error:?}");
        assert_eq!(catalog.stored_image(&refused).await.unwrap_err(), error, "and so does the next send");
        let unknown = moodchat_core::BlobKey::new_upload("lobby", ImageKind::Png, 1_700_000_000_000);
        assert_eq!(catalog.stored_image(&unknown).await.unwrap(), None);
    });
}
