//! `ConnectionRegistry` on the single table (docs/aws.md): a connection's
//! item (`CONN#c/META`: who, when it was last seen, its rooms) and one
//! subscription item per room it follows (`ROOM#r/CONN#c`), which the
//! fan-out finds with one `Query`. Both carry `expires_at` (API Gateway
//! closes a connection after 2 h) and every read filters on it: DynamoDB's
//! TTL deletes expired items only lazily.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use moodchat_core::ports::{Clock, ConnectionId, ConnectionRegistry, Identity};
use moodchat_protocol::{ApiError, UserRef};

use super::attrs::{n, number, s, text};
use super::store::query_all;
use super::{failed, keys, Item, Table};

/// API Gateway closes a WebSocket after 2 hours at most.
pub const CONNECTION_LIFETIME_MS: i64 = 2 * 60 * 60 * 1000;

#[derive(Clone)]
pub struct DynamoConnections {
    table: Table,
    clock: Arc<dyn Clock>,
}

/// A live connection as the fan-out needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscriber {
    pub connection: ConnectionId,
    pub sub: String,
}

impl DynamoConnections {
    /// `clock` says which items have expired.
    pub fn new(table: Table, clock: Arc<dyn Clock>) -> Self {
        Self { table, clock }
    }

    fn now_s(&self) -> i64 {
        self.clock.now_ms() / 1000
    }

    fn alive(&self, item: &Item) -> bool {
        number::<i64>(item, "expires_at").is_some_and(|at| at > self.now_s())
    }

    async fn meta(&self, connection: &ConnectionId) -> Result<Option<Item>, ApiError> {
        let item = self.table.get(&keys::connection(&connection.0), keys::META).await?;
        Ok(item.filter(|item| self.alive(item)))
    }

    /// The room's live subscriptions: one `Query` (never a Scan).
    pub async fn subscribers(&self, room_id: &str) -> Result<Vec<Subscriber>, ApiError> {
        let items = query_all(&self.table, None, "PK", &keys::room(room_id), "SK", "CONN#").await?;
        Ok(items.iter().filter(|item| self.alive(item)).filter_map(subscriber).collect())
    }

    /// The user's live connections (GSI1).
    pub async fn connections_of(&self, sub: &str) -> Result<Vec<Subscriber>, ApiError> {
        let items = query_all(&self.table, Some(keys::GSI_BY_USER), "GSI1PK", &keys::user(sub), "GSI1SK", "CONN#").await?;
        Ok(items.iter().filter(|item| self.alive(item)).filter_map(subscriber).collect())
    }
}

/// A subscription or connection item's connection and user.
fn subscriber(item: &Item) -> Option<Subscriber> {
    let connection = match keys::connection_id(text(item, "SK")?) {
        Some(id) => id,
        None => keys::connection_id(text(item, "PK")?)?,
    };
    Some(Subscriber { connection: ConnectionId(connection.to_owned()), sub: text(item, "sub")?.to_owned() })
}

fn identity_of(item: &Item) -> Option<Identity> {
    Some(Identity {
        sub: text(item, "sub")?.to_owned(),
        username: text(item, "username")?.to_owned(),
        name: text(item, "name")?.to_owned(),
        email: text(item, "email").map(str::to_owned),
    })
}

#[async_trait]
impl ConnectionRegistry for DynamoConnections {
    async fn connect(&self, connection: &ConnectionId, identity: &Identity, now_ms: i64) -> Result<(), ApiError> {
        let pk = keys::connection(&connection.0);
        let expires_at = (now_ms + CONNECTION_LIFETIME_MS) / 1000;
        let mut update = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .key("PK", s(&pk))
            .key("SK", s(keys::META))
            .expression_attribute_names("#name", "name")
            .expression_attribute_values(":gsi1pk", s(keys::user(&identity.sub)))
            .expression_attribute_values(":gsi1sk", s(&pk))
            .expression_attribute_values(":sub", s(&identity.sub))
            .expression_attribute_values(":username", s(&identity.username))
            .expression_attribute_values(":name", s(&identity.name))
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":expires", n(expires_at));
        // Connecting again replaces the identity and keeps the `rooms`.
        let set = "SET GSI1PK = :gsi1pk, GSI1SK = :gsi1sk, #sub = :sub, username = :username, #name = :name, \
                   connected_at = :now, seen_at = :now, expires_at = :expires";
        update = update.expression_attribute_names("#sub", "sub");
        update = match &identity.email {
            Some(email) => update.update_expression(format!("{set}, email = :email")).expression_attribute_values(":email", s(email)),
            None => update.update_expression(format!("{set} REMOVE email")),
        };
        update.send().await.map_err(failed("connect"))?;
        Ok(())
    }

    async fn identity(&self, connection: &ConnectionId) -> Result<Option<Identity>, ApiError> {
        Ok(self.meta(connection).await?.as_ref().and_then(identity_of))
    }

    async fn touch(&self, connection: &ConnectionId, now_ms: i64) -> Result<(), ApiError> {
        let outcome = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .key("PK", s(keys::connection(&connection.0)))
            .key("SK", s(keys::META))
            .update_expression("SET seen_at = :now")
            .condition_expression("attribute_exists(PK) AND seen_at < :now")
            .expression_attribute_values(":now", n(now_ms))
            .send()
            .await;
        match outcome {
            Ok(_) => Ok(()),
            // Unknown (or already touched later): nothing to do.
            Err(error) if super::store::is_condition_failure(&error) => Ok(()),
            Err(error) => Err(failed("touch")(error)),
        }
    }

    async fn subscribe(&self, connection: &ConnectionId, room_id: &str) -> Result<(), ApiError> {
        let Some(meta) = self.meta(connection).await? else { return Ok(()) };
        let (Some(who), Some(expires_at)) = (identity_of(&meta), number::<i64>(&meta, "expires_at")) else {
            return Ok(());
        };
        let pk = keys::connection(&connection.0);
        // Only while the connection exists: a frame racing its own
        // `$disconnect` must not leave a subscription behind.
        let follow = Update::builder()
            .table_name(&self.table.name)
            .key("PK", s(&pk))
            .key("SK", s(keys::META))
            .update_expression("ADD rooms :room")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":room", AttributeValue::Ss(vec![room_id.to_owned()]))
            .build()
            .map_err(failed("subscribe"))?;
        let subscription = Put::builder()
            .table_name(&self.table.name)
            .item("PK", s(keys::room(room_id)))
            .item("SK", s(&pk))
            .item("sub", s(&who.sub))
            .item("name", s(&who.name))
            .item("expires_at", n(expires_at))
            .build()
            .map_err(failed("subscribe"))?;
        let outcome = self
            .table
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(follow).build())
            .transact_items(TransactWriteItem::builder().put(subscription).build())
            .send()
            .await;
        match outcome {
            Ok(_) => Ok(()),
            Err(error) if super::store::cancellation_codes(&error).is_some_and(|codes| codes.first().is_some_and(|c| c.as_deref() == Some("ConditionalCheckFailed"))) => Ok(()),
            Err(error) => Err(failed("subscribe")(error)),
        }
    }

    async fn unsubscribe(&self, connection: &ConnectionId, room_id: &str) -> Result<(), ApiError> {
        let pk = keys::connection(&connection.0);
        self.table.batch_delete(vec![(keys::room(room_id), pk.clone())]).await?;
        let outcome = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .key("PK", s(&pk))
            .key("SK", s(keys::META))
            .update_expression("DELETE rooms :room")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":room", AttributeValue::Ss(vec![room_id.to_owned()]))
            .send()
            .await;
        match outcome {
            Ok(_) => Ok(()),
            Err(error) if super::store::is_condition_failure(&error) => Ok(()),
            Err(error) => Err(failed("unsubscribe")(error)),
        }
    }

    async fn subscribe_user(&self, sub: &str, room_id: &str) -> Result<(), ApiError> {
        for connection in self.connections_of(sub).await? {
            self.subscribe(&connection.connection, room_id).await?;
        }
        Ok(())
    }

    async fn disconnect(&self, connection: &ConnectionId) -> Result<Vec<String>, ApiError> {
        let pk = keys::connection(&connection.0);
        let Some(meta) = self.table.get(&pk, keys::META).await? else { return Ok(Vec::new()) };
        let mut rooms: Vec<String> = match meta.get("rooms") {
            Some(AttributeValue::Ss(rooms)) => rooms.clone(),
            _ => Vec::new(),
        };
        rooms.sort();
        let mut doomed: Vec<(String, String)> = rooms.iter().map(|room| (keys::room(room), pk.clone())).collect();
        doomed.push((pk.clone(), keys::META.to_owned()));
        self.table.batch_delete(doomed).await?;
        Ok(rooms)
    }

    async fn online(&self, room_id: &str, seen_since_ms: i64) -> Result<Vec<UserRef>, ApiError> {
        // Presence needs when each connection was last seen, which only its
        // own item has (a frame touches one item, not one per room).
        let subscribers = self.subscribers(room_id).await?;
        let wanted = subscribers.iter().map(|s| (keys::connection(&s.connection.0), keys::META.to_owned())).collect();
        let mut seen = HashSet::new();
        let mut users: Vec<UserRef> = self
            .table
            .batch_get(wanted)
            .await?
            .iter()
            .filter(|item| self.alive(item))
            .filter(|item| number::<i64>(item, "seen_at").is_some_and(|at| at >= seen_since_ms))
            .filter_map(identity_of)
            .filter(|who| seen.insert(who.sub.clone()))
            .map(|who| who.user_ref())
            .collect();
        users.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.sub.cmp(&b.sub)));
        Ok(users)
    }
}
