//! The chat experience: the link to the server (WebSocket or polling) and
//! the state it feeds, and the components of the room list and room view.
//!
//! One module per job: `api` (REST), `client` (the tab's link and state, in
//! context), `store` (a room's timeline: de-dup, acks, grouping), `reconnect`
//! (back-off and fallback), `outbox` (unsent messages across reloads),
//! `pacing` (our sends one at a time, in order, under the rate limit),
//! `linkify` and `time` (safe, local rendering helpers), `mood` (the mood
//! emoji and the hook for the on-device preview), `mood_badge` (a message's
//! mood, and the picker its author corrects it with), `mood_worker` (the
//! lazily loaded on-device model behind that preview), `upload` (checking
//! and uploading an attached image), `local_images` (a pending image shown
//! from the file until the server has it), `image_viewer` (the full-size
//! image in a modal dialog), `replies` (a row's reply button and quote), `unread` (where the reader left off), and the components.

pub mod api;
pub mod client;
pub mod composer;
pub mod dom;
pub mod image_viewer;
pub mod linkify;
pub mod local_images;
pub mod message_layout;
pub mod message_list;
pub mod message_menu;
pub mod message_row;
pub mod mentions;
pub mod mood;
pub mod mood_badge;
pub mod mood_worker;
pub mod notifications;
pub mod outbox;
pub mod pacing;
pub mod reaction_chips;
mod reactions;
pub mod replies;
pub mod reconnect;
pub mod room_list;
pub mod room_mood;
pub mod room_view;
mod row_focus;
mod row_events;
pub mod store;
pub mod tab_title;
pub mod time;
mod unread;
pub mod upload;
pub mod wire;

pub use client::{provide_chat, use_chat, Chat};

