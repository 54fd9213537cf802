//! One module per route, plus the page shown when the app cannot start.

mod config_error;
mod not_found;
mod room;
mod rooms;
mod sign_in;

pub use config_error::ConfigErrorPage;
pub use not_found::NotFound;
pub use room::Room;
pub use rooms::Rooms;
pub use sign_in::SignIn;
