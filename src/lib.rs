//! moodchat's single-page app: a Leptos client-side-rendered app that loads
//! its runtime configuration, then routes between sign-in, the room list and
//! a room. The library holds everything so wasm-bindgen tests can mount the
//! same components the app does.

#[macro_use]
mod split;
pub mod app;
pub mod auth;
pub mod chat;
pub mod components;
pub mod config;
pub mod connection;
pub mod drafts;
pub mod i18n;
pub mod pages;
pub mod people;
pub mod search;
pub mod storage;
pub mod theme;

pub use app::App;

// Unit tests beside the code run in headless Chromium, like the components.
#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
