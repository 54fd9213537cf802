//! The moodchat contract: every type that crosses the wire between the SPA and
//! a backend (embedded or AWS). serde only, no I/O, so it builds for wasm32 and
//! native alike. docs/protocol.md describes the same contract in prose.

pub mod chat;
pub mod config;
pub mod error;
pub mod images;
pub mod limits;
pub mod names;
pub mod password;
pub mod rest;
pub mod ws;

pub use chat::{AuthorMood, Image, Member, Message, Mood, Quote, Reaction, Room, RoomKind, RoomSummary, Sentiment, UserRef};
pub use config::{CognitoConfig, RuntimeConfig, Transport};
pub use error::{ApiError, ErrorCode};
pub use ws::{ClientFrame, SendMessageFrame, ServerEvent, Since};
