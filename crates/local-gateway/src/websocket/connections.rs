//! The live WebSocket connections, by connection id: what the `@connections`
//! API posts to, reads and closes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::mpsc;

/// What the session task is asked to send.
#[derive(Debug)]
pub enum Outgoing {
    Text(String),
    Binary(Vec<u8>),
    /// Close with this code and reason (DeleteConnection, limits).
    Close(u16, String),
}

pub struct Connection {
    pub id: String,
    pub connected_at: i64,
    last_active_at: AtomicI64,
    pub source_ip: String,
    pub user_agent: Option<String>,
    outbox: mpsc::Sender<Outgoing>,
}

impl Connection {
    pub fn new(id: String, connected_at: i64, source_ip: String, user_agent: Option<String>, outbox: mpsc::Sender<Outgoing>) -> Self {
        Self { id, connected_at, last_active_at: AtomicI64::new(connected_at), source_ip, user_agent, outbox }
    }

    pub fn touch(&self, now_ms: i64) {
        self.last_active_at.store(now_ms, Ordering::Relaxed);
    }

    pub fn last_active_at(&self) -> i64 {
        self.last_active_at.load(Ordering::Relaxed)
    }

    /// Queues a frame; false when the connection is gone or cannot keep up
    /// (then it is closed: API Gateway does not buffer without bound either).
    pub fn send(&self, outgoing: Outgoing) -> bool {
        match self.outbox.try_send(outgoing) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(connection = %self.id, "client does not read: closing it");
                let _ = self.outbox.try_send(Outgoing::Close(1011, "Client too slow".into()));
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
}

#[derive(Clone, Default)]
pub struct Connections {
    live: Arc<RwLock<HashMap<String, Arc<Connection>>>>,
}

impl Connections {
    pub fn insert(&self, connection: Arc<Connection>) {
        self.live.write().unwrap_or_else(|p| p.into_inner()).insert(connection.id.clone(), connection);
    }

    pub fn remove(&self, id: &str) -> Option<Arc<Connection>> {
        self.live.write().unwrap_or_else(|p| p.into_inner()).remove(id)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Connection>> {
        self.live.read().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.live.read().unwrap_or_else(|p| p.into_inner()).keys().cloned().collect();
        ids.sort();
        ids
    }
}
