//! The frame engine's replies to the caller, through `PostToConnection`.

use async_trait::async_trait;
use moodchat_core::edge::Replies;
use moodchat_core::ports::ConnectionId;
use moodchat_protocol::ServerEvent;

use crate::push::{ManagementApiPusher, Posted};

/// The caller's connection is gone (410): stop handling its frame.
#[derive(Debug)]
pub struct Gone;

pub struct PostReplies<'a> {
    pub pusher: &'a ManagementApiPusher,
    pub connection: &'a ConnectionId,
}

#[async_trait]
impl Replies for PostReplies<'_> {
    type Closed = Gone;

    async fn reply(&mut self, event: &ServerEvent) -> Result<(), Gone> {
        let data = serde_json::to_vec(event).expect("events serialize");
        match self.pusher.post(self.connection, &data).await {
            Posted::Gone => Err(Gone),
            // Delivered, or failed and logged: like a lost frame on a socket.
            Posted::Delivered | Posted::Failed => Ok(()),
        }
    }
}
