pub mod connection_status;
pub mod header;
pub mod preferences;
