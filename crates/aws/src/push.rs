//! `Pusher` through API Gateway's management API: the room's (or user's)
//! connections from the table, then one `PostToConnection` each, all in
//! parallel. A 410 `GoneException` reports the connection as undelivered
//! (the core disconnects it); any other failure is logged and dropped: a
//! live event is advisory, the client catches up from history.
//!
//! `deferring` makes `publish` start the posts and return at once, for the
//! `$default` function: the sender's `ack` (which the core sends after the
//! message is published) never waits on someone else's slow connection.
//! The function then `settle`s before its invocation ends, and disconnects
//! what came back gone.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_apigatewaymanagement::Client;
use futures_util::future::join_all;
use moodchat_core::ports::{ConnectionId, Pusher, Undelivered};
use moodchat_protocol::ServerEvent;

use crate::dynamo::connections::{DynamoConnections, Subscriber};

/// How long one push may take before it is given up: a slow connection
/// never holds the others (nor the handler) longer than this.
pub const PUSH_TIMEOUT: Duration = Duration::from_secs(3);

/// What one `PostToConnection` came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Posted {
    Delivered,
    /// 410: the client is gone (API Gateway forgets it; so must we).
    Gone,
    /// Any other failure, timeouts included (logged).
    Failed,
}

type Pending = Arc<Mutex<Vec<tokio::task::JoinHandle<Undelivered>>>>;

#[derive(Clone)]
pub struct ManagementApiPusher {
    client: Client,
    connections: DynamoConnections,
    /// With `deferring`: the posts started and not settled yet.
    pending: Option<Pending>,
}

impl ManagementApiPusher {
    pub fn new(client: Client, connections: DynamoConnections) -> Self {
        Self { client, connections, pending: None }
    }

    /// Posts run in the background; `settle` waits for them.
    pub fn deferring(self) -> Self {
        Self { pending: Some(Pending::default()), ..self }
    }

    /// Waits for every post started so far; the connections found gone.
    pub async fn settle(&self) -> Undelivered {
        let Some(pending) = &self.pending else { return Vec::new() };
        let started = std::mem::take(&mut *pending.lock().unwrap_or_else(|p| p.into_inner()));
        let mut gone = Vec::new();
        for posts in started {
            gone.extend(posts.await.unwrap_or_default());
        }
        gone
    }

    /// Finds the targets and posts to them now, or all of it in the
    /// background when deferring (the Query of a big room's connections is
    /// work the sender's ack need not wait for either).
    async fn deliver(&self, audience: Audience, event: ServerEvent) -> Undelivered {
        match &self.pending {
            None => self.deliver_now(audience, event).await,
            Some(pending) => {
                let this = Self { pending: None, ..self.clone() };
                let posts = tokio::spawn(async move { this.deliver_now(audience, event).await });
                pending.lock().unwrap_or_else(|p| p.into_inner()).push(posts);
                Vec::new()
            }
        }
    }

    async fn deliver_now(&self, audience: Audience, event: ServerEvent) -> Undelivered {
        let targets = match &audience {
            Audience::Room { room, .. } => self.connections.subscribers(room).await,
            Audience::User(sub) => self.connections.connections_of(sub).await,
        };
        let mut targets = match targets {
            Ok(targets) => targets,
            Err(error) => {
                tracing::error!(?audience, ?error, "the connections to push to could not be read");
                return Vec::new();
            }
        };
        if let Audience::Room { skip: Some(skip), .. } = &audience {
            targets.retain(|t| &t.connection != skip);
        }
        targets.dedup_by(|a, b| a.connection == b.connection);
        self.post_all(targets, &event).await
    }

    /// Posts one frame to one connection.
    pub async fn post(&self, connection: &ConnectionId, data: &[u8]) -> Posted {
        let request = self.client.post_to_connection().connection_id(&connection.0).data(Blob::new(data)).send();
        match tokio::time::timeout(PUSH_TIMEOUT, request).await {
            Ok(Ok(_)) => Posted::Delivered,
            Ok(Err(error)) if error.as_service_error().is_some_and(|e| e.is_gone_exception()) => Posted::Gone,
            Ok(Err(error)) => {
                tracing::warn!(connection = %connection.0, ?error, "PostToConnection failed");
                Posted::Failed
            }
            Err(_) => {
                tracing::warn!(connection = %connection.0, "PostToConnection timed out");
                Posted::Failed
            }
        }
    }

    /// Posts the event to every target at once; returns the gone ones.
    async fn post_all(&self, targets: Vec<Subscriber>, event: &ServerEvent) -> Undelivered {
        let data = match serde_json::to_vec(event) {
            Ok(data) => data,
            Err(error) => {
                tracing::error!(%error, "an event did not serialize");
                return Vec::new();
            }
        };
        let posts = targets.iter().map(|target| self.post(&target.connection, &data));
        let outcomes = join_all(posts).await;
        targets.into_iter().zip(outcomes).filter(|(_, posted)| *posted == Posted::Gone).map(|(t, _)| t.connection).collect()
    }
}

/// Who an event is for.
#[derive(Debug)]
enum Audience {
    Room { room: String, skip: Option<ConnectionId> },
    User(String),
}

#[async_trait]
impl Pusher for ManagementApiPusher {
    async fn publish(&self, room_id: &str, event: ServerEvent, skip: Option<&ConnectionId>) -> Undelivered {
        self.deliver(Audience::Room { room: room_id.to_owned(), skip: skip.cloned() }, event).await
    }

    async fn publish_to_user(&self, sub: &str, event: ServerEvent) -> Undelivered {
        self.deliver(Audience::User(sub.to_owned()), event).await
    }
}
