//! Image upload bodies (docs/protocol.md, "Images"). The shape follows S3
//! presigned uploads, so the SPA talks to the embedded server and to S3 the
//! same way: ask for a ticket, PUT the bytes to its URL with its headers,
//! then send a message with the ticket's `key` as `image_key`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `POST /api/uploads`: permission to upload one image of this type and
/// exact size into a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRequest {
    pub room: String,
    pub content_type: String,
    /// The exact number of bytes that will be PUT.
    pub size: u64,
}

/// Where and how to upload: `method` to `url` with exactly `headers`, before
/// `expires_at` (milliseconds since the Unix epoch).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadTicket {
    pub url: String,
    pub method: String,
    pub headers: BTreeMap<String, String>,
    /// The `image_key` to send with the message once the upload succeeded.
    pub key: String,
    pub expires_at: i64,
}

/// The answer to a successful upload on the embedded server (S3 answers
/// with an empty 200; clients need only the status).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedImage {
    pub key: String,
    pub content_type: String,
    /// Bytes stored, after metadata was stripped.
    pub size: u64,
    pub w: u32,
    pub h: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_has_the_s3_presign_shape() {
        let ticket = UploadTicket {
            url: "/api/blobs/rooms/lobby/01J.png?sig=x".into(),
            method: "PUT".into(),
            headers: BTreeMap::from([("Content-Type".to_string(), "image/png".to_string())]),
            key: "rooms/lobby/01J.png".into(),
            expires_at: 1,
        };
        let json = serde_json::to_value(&ticket).unwrap();
        assert_eq!(json["headers"]["Content-Type"], "image/png");
        assert_eq!(json["method"], "PUT");
        assert_eq!(serde_json::from_value::<UploadTicket>(json).unwrap(), ticket);
    }
}
