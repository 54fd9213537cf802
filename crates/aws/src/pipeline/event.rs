//! What invokes the pipeline: S3's ObjectCreated notification for
//! `uploads/` (object keys URL-encoded, a space as `+`), or a direct
//! invocation `{"key": "rooms/<room>/<ULID>.<ext>"}` from a send that names
//! an image not processed yet.

use moodchat_core::error::bad_request;
use moodchat_core::BlobKey;
use moodchat_protocol::ApiError;
use serde_json::Value;

use super::objects::UPLOADS;

#[derive(Debug, PartialEq)]
pub enum Invocation {
    /// The decoded object keys of an S3 event, as they are in the bucket.
    Uploads(Vec<String>),
    Direct(BlobKey),
}

pub fn parse(event: &Value) -> Result<Invocation, ApiError> {
    if let Some(records) = event.get("Records") {
        // Only the object keys are read: the rest of the record (requester,
        // request ids, ...) is S3's business, and not needed to find the upload.
        let records = records.as_array().ok_or_else(|| bad_request("not an S3 event: Records is not a list"))?;
        let keys = records
            .iter()
            .map(|record| record.pointer("/s3/object/key").and_then(Value::as_str).map(object_key))
            .collect::<Option<Vec<String>>>()
            .ok_or_else(|| bad_request("not an S3 event: a record without s3.object.key"))?;
        return Ok(Invocation::Uploads(keys));
    }
    let key = event
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_request("expected an S3 event or {\"key\": ...}"))?;
    Ok(Invocation::Direct(image_key(key).ok_or_else(|| bad_request(format!("{key:?} is not an image key")))?))
}

/// An S3 event's key as it is in the bucket (form-style URL encoding).
pub fn object_key(encoded: &str) -> String {
    let spaced = encoded.replace('+', " ");
    urlencoding::decode(&spaced).map_or(spaced.clone(), |decoded| decoded.into_owned())
}

/// The image an object under `uploads/` is the upload of, if any.
pub fn upload_of(object_key: &str) -> Option<BlobKey> {
    image_key(object_key.strip_prefix(UPLOADS)?)
}

fn image_key(key: &str) -> Option<BlobKey> {
    BlobKey::parse(key).filter(BlobKey::is_original)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn s3_keys_are_decoded_and_direct_keys_parsed() {
        // As S3 sends it (the example of the S3 user guide, "Event message
        // structure"), then a record with only what the pipeline reads.
        let event = json!({"Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2026-12-05T18:00:00.000Z", "eventName": "ObjectCreated:Put",
            "userIdentity": {"principalId": "AWS:AIDAJDPLRKLG7UEXAMPLE"},
            "requestParameters": {"sourceIPAddress": "127.0.0.1"},
            "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "Upload",
                   "bucket": {"name": "moodchat-images-x", "ownerIdentity": {"principalId": "A3NL1KOZZKExample"}, "arn": "arn:aws:s3:::moodchat-images-x"},
                   "object": {"key": "uploads/rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png", "size": 12, "eTag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "0055AED6DCD90281E5"}}
        }, {
            "s3": {"object": {"key": "uploads/a+b%2Fc%C3%A9.png"}}
        }]});
        let Invocation::Uploads(keys) = parse(&event).unwrap() else { panic!("not uploads") };
        assert_eq!(keys, ["uploads/rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png", "uploads/a b/cé.png"]);
        assert!(upload_of(&keys[0]).is_some());
        assert_eq!(upload_of(&keys[1]), None);
        assert_eq!(upload_of("images/rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.png"), None);
        assert_eq!(upload_of("uploads/rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.thumb.png"), None);

        let direct = parse(&json!({"key": "rooms/lobby/01JD5X0ZQ3M1T6P5V7K9W2B4C8.jpg"})).unwrap();
        assert!(matches!(direct, Invocation::Direct(key) if key.to_string().ends_with(".jpg")));
        for bad in
            [json!({"key": "../etc/passwd"}), json!({}), json!({"Records": "no"}), json!({"Records": [{"s3": {}}]})]
        {
            assert_eq!(parse(&bad).unwrap_err().code, moodchat_protocol::ErrorCode::BadRequest, "{bad}");
        }
    }
}
