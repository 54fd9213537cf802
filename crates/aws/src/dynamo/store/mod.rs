//! `MessageStore` on the single table (docs/aws.md, "Access patterns"). The
//! trait's methods delegate to one module per concern.

mod changes;
mod history;
mod moods;
mod rooms;
pub(crate) use rooms::query_all;
mod send;
mod users;

use async_trait::async_trait;
use moodchat_core::ports::{Appended, Changed, HistorySlice, Identity, MessageChange, MessageStore, RoomListing};
use moodchat_protocol::limits::LOBBY_ROOM_ID;
use moodchat_protocol::{ApiError, Message, Room, RoomKind, UserRef};

use super::Table;

/// The DynamoDB message store. Cheap to clone; keeps nothing between calls.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    table: Table,
}

impl DynamoStore {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Creates the lobby, which every user is a member of, unless it exists
    /// (one conditional write: run it when a function starts).
    pub async fn ensure_lobby(&self, now_ms: i64) -> Result<(), ApiError> {
        let lobby = Room { id: LOBBY_ROOM_ID.into(), name: "Lobby".into(), kind: RoomKind::Public };
        rooms::put_room_if_new(&self.table, &lobby, now_ms).await.map(|_| ())
    }
}

#[async_trait]
impl MessageStore for DynamoStore {
    async fn upsert_user(&self, user: &Identity, now_ms: i64) -> Result<(), ApiError> {
        users::upsert(&self.table, user, now_ms).await
    }

    async fn find_user(&self, sub_or_username: &str) -> Result<Option<UserRef>, ApiError> {
        users::find(&self.table, sub_or_username).await
    }

    async fn search_users(&self, prefix: &str, exclude_sub: &str, limit: u32) -> Result<Vec<UserRef>, ApiError> {
        users::search(&self.table, prefix, exclude_sub, limit).await
    }

    async fn create_room(&self, room: &Room, creator: &str, now_ms: i64) -> Result<(), ApiError> {
        rooms::create(&self.table, room, creator, now_ms).await
    }

    async fn room(&self, room_id: &str) -> Result<Option<Room>, ApiError> {
        rooms::room(&self.table, room_id).await
    }

    async fn find_or_create_direct(
        &self,
        direct_key: &str,
        candidate: &Room,
        members: [&str; 2],
        now_ms: i64,
    ) -> Result<Room, ApiError> {
        rooms::find_or_create_direct(&self.table, direct_key, candidate, members, now_ms).await
    }

    async fn add_member(&self, room_id: &str, sub: &str, now_ms: i64) -> Result<(), ApiError> {
        rooms::add_member(&self.table, room_id, sub, now_ms).await
    }

    async fn remove_member(&self, room_id: &str, sub: &str) -> Result<bool, ApiError> {
        rooms::remove_member(&self.table, room_id, sub).await
    }

    async fn set_muted(&self, room_id: &str, sub: &str, muted: bool) -> Result<bool, ApiError> {
        rooms::set_muted(&self.table, room_id, sub, muted).await
    }

    async fn is_member(&self, room_id: &str, sub: &str) -> Result<bool, ApiError> {
        rooms::is_member(&self.table, room_id, sub).await
    }

    async fn members(&self, room_id: &str) -> Result<Vec<UserRef>, ApiError> {
        rooms::members(&self.table, room_id).await
    }

    async fn room_listings(&self, sub: &str, discover: bool) -> Result<Vec<RoomListing>, ApiError> {
        rooms::listings(&self.table, sub, discover).await
    }

    async fn append(&self, message: &Message) -> Result<Appended, ApiError> {
        send::append(&self.table, message).await
    }

    async fn history(&self, room_id: &str, slice: &HistorySlice, limit: u32) -> Result<Vec<Message>, ApiError> {
        history::slice(&self.table, room_id, slice, limit).await
    }

    async fn mark_read(&self, room_id: &str, sub: &str, seq: u64) -> Result<bool, ApiError> {
        rooms::mark_read(&self.table, room_id, sub, seq).await
    }

    async fn message_seq(&self, room_id: &str, message_id: &str) -> Result<Option<u64>, ApiError> {
        history::message_seq(&self.table, room_id, message_id).await
    }

    async fn message(&self, room_id: &str, message_id: &str) -> Result<Option<Message>, ApiError> {
        history::message(&self.table, room_id, message_id).await
    }

    async fn change_message(&self, room_id: &str, message_id: &str, change: &MessageChange) -> Result<Changed, ApiError> {
        changes::change(&self.table, room_id, message_id, change).await
    }

    async fn changed_since(&self, room_id: &str, after: u64, limit: u32) -> Result<Vec<Message>, ApiError> {
        changes::changed_since(&self.table, room_id, after, limit).await
    }

    async fn change_number(&self, room_id: &str) -> Result<u64, ApiError> {
        changes::change_number(&self.table, room_id).await
    }

    async fn author_moods(&self, after: Option<&str>, limit: u32) -> Result<Vec<Message>, ApiError> {
        moods::export(&self.table, after, limit).await
    }
}

/// Whether an SDK error is a failed condition (`ConditionalCheckFailedException`).
pub(crate) fn is_condition_failure<E, R>(error: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    error.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// The cancellation reason codes of a cancelled transaction, one per item
/// (`None` when it is not a cancellation).
pub(crate) fn cancellation_codes<R>(
    error: &aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> Option<Vec<Option<String>>> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match error.as_service_error()? {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => {
            Some(cancelled.cancellation_reasons().iter().map(|r| r.code().map(str::to_owned)).collect())
        }
        _ => None,
    }
}
