//! S3 event notifications, locally. moto keeps the uploads but cannot
//! invoke the gateway's functions, so for every `Type: S3` event of the
//! template (ObjectCreated, with its prefix and suffix) the gateway lists the
//! bucket under the prefix every `POLL_INTERVAL` and invokes the function
//! asynchronously, as S3 does (with Lambda's retries), with the event S3
//! would send for each object that appeared or changed since the previous
//! listing. What differs from AWS: up to a poll interval of delay, objects
//! already there when the gateway starts are not announced, and an object
//! created and deleted between two listings is never announced.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::task::JoinHandle;

use crate::lambda::Functions;
use crate::template::{S3Notification, Stack};

const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The watching tasks, stopped on drop (with the gateway).
#[derive(Default)]
pub struct Watchers(Vec<JoinHandle<()>>);

impl Drop for Watchers {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Starts one watcher per ObjectCreated notification of the stack.
pub fn watch(stack: &Stack, functions: &Functions, s3: aws_sdk_s3::Client, region: &str) -> Watchers {
    let tasks = stack
        .s3_notifications
        .iter()
        .filter(|notification| notification.events.iter().any(|event| event.starts_with("s3:ObjectCreated:")))
        .filter_map(|notification| {
            let Some(pool) = functions.get(&notification.function).cloned() else {
                tracing::warn!(function = %notification.function, "an S3 notification names no function");
                return None;
            };
            let (notification, s3, region) = (notification.clone(), s3.clone(), region.to_owned());
            Some(tokio::spawn(async move {
                let mut listed: Option<HashMap<String, Listed>> = None;
                let mut warned = false;
                loop {
                    match list(&s3, &notification).await {
                        Ok(now) => {
                            let created: Vec<(&String, &Listed)> = match &listed {
                                // The first listing is what was there before.
                                None => Vec::new(),
                                Some(before) => now.iter().filter(|(key, object)| before.get(*key) != Some(object)).collect(),
                            };
                            if !created.is_empty() && !pool.binary().is_file() {
                                tracing::warn!(function = %notification.function, "an object was created but the function is not built");
                            } else {
                                for (key, object) in created {
                                    let record = event(&notification.bucket, key, object.size, &region);
                                    pool.invoke_async(record.to_string().into_bytes());
                                }
                            }
                            listed = Some(now);
                        }
                        Err(error) if !warned => {
                            tracing::warn!(bucket = %notification.bucket, %error, "cannot list the bucket for its notifications");
                            warned = true;
                        }
                        Err(_) => {}
                    }
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
            }))
        })
        .collect();
    Watchers(tasks)
}

/// An object as listed: a new PUT of the same key changes its version
/// (ETag and modification time).
#[derive(Debug, PartialEq, Eq)]
struct Listed {
    version: String,
    size: u64,
}

/// The objects under the notification's prefix (and with its suffix).
async fn list(s3: &aws_sdk_s3::Client, notification: &S3Notification) -> anyhow::Result<HashMap<String, Listed>> {
    let mut found = HashMap::new();
    let mut token = None;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket(&notification.bucket)
            .prefix(&notification.prefix)
            .set_continuation_token(token)
            .send()
            .await?;
        for object in page.contents.unwrap_or_default() {
            let Some(key) = object.key else { continue };
            if key.ends_with(&notification.suffix) {
                let version = format!("{}@{:?}", object.e_tag.unwrap_or_default(), object.last_modified);
                let size = object.size.and_then(|size| u64::try_from(size).ok()).unwrap_or(0);
                found.insert(key, Listed { version, size });
            }
        }
        match page.next_continuation_token {
            Some(next) => token = Some(next),
            None => return Ok(found),
        }
    }
}

/// The record S3 sends for an `ObjectCreated:Put` (the key URL-encoded,
/// a space as `+`, the slashes kept).
pub fn event(bucket: &str, key: &str, size: u64, region: &str) -> Value {
    let encoded = key.split('/').map(|segment| urlencoding::encode(segment).replace("%20", "+")).collect::<Vec<_>>().join("/");
    json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:LOCAL"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": crate::request_id(), "x-amz-id-2": crate::request_id()},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "local-gateway",
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": "LOCAL"}, "arn": format!("arn:aws:s3:::{bucket}")},
            "object": {"key": encoded, "size": size, "sequencer": format!("{:016X}", crate::now_ms())}
        }
    }]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_encoded_as_s3_encodes_them() {
        let event = event("b", "uploads/a b/c+d é.png", 7, "us-east-1");
        assert_eq!(event["Records"][0]["s3"]["object"]["key"], "uploads/a+b/c%2Bd+%C3%A9.png");
        assert_eq!(event["Records"][0]["s3"]["bucket"]["name"], "b");
        assert_eq!(event["Records"][0]["eventName"], "ObjectCreated:Put");
    }
}
