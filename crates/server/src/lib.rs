//! The embedded moodchat backend: one process that serves the built SPA, the
//! runtime configuration, the REST and WebSocket APIs, the Cognito-compatible
//! identity provider and image storage, all under one data directory.
//!
//! `main.rs` only parses the command line; everything here is a library so
//! that tests and benchmarks can start the real server in-process.

pub mod app;
pub mod chat;
pub mod cli;
pub mod export_moods;
pub mod http_error;
pub mod images;
pub mod json_errors;
pub mod limits;
pub mod log_redaction;
pub mod mood;
pub mod runtime_config;
pub mod serve;
pub mod shutdown;
pub mod spa;

pub use app::{build_router, serve, Settings};
