pub mod auth_page;
pub mod connection_status;
pub mod form;
pub mod header;
pub mod password_hints;
pub mod preferences;
