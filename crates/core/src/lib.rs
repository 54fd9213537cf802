//! The moodchat chat domain. `ChatService` holds every rule (who may read or
//! write where, validation, idempotency, ordering, cursors, typing and rate
//! policies); the outside world comes in through the traits in `ports`, so
//! the embedded server (SQLite + in-process hub) and the AWS deployment
//! (DynamoDB + API Gateway) run the same logic.

pub mod commit;
pub mod cursor;
pub mod edge;
pub mod error;
pub mod fanout;
pub mod frames;
pub mod ids;
pub mod images;
pub mod mood_export;
pub mod ports;
pub mod rate_limit;
pub mod room_list;
pub mod search;
pub mod service;
pub mod validate;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
#[cfg(feature = "test-util")]
pub mod connection_contract;
#[cfg(feature = "test-util")]
pub mod rate_limit_contract;
#[cfg(feature = "test-util")]
pub mod store_contract;

pub use error::ChatResult;
pub use images::{BlobKey, BlobSigner, ImageCatalog, ImageKind, ImagePorts, Notifier, StoredImage, UploadGrant};
pub use ports::{
    Appended, Changed, Clock, ConnectionId, ConnectionRegistry, HistorySlice, IdGenerator, Identity, MessageChange,
    MessageStore, MoodCount, NoSentiment, Pusher, RoomHead, RoomListing, SentimentProvider, SystemClock, TaskSpawner,
    TokenVerifier, Undelivered, VerifiedToken,
};
pub use search::SearchIndex;
pub use service::{ChatService, LiveJoin, SendRequest, Sent};
