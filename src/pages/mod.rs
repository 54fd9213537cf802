//! One module per route, plus the page shown when the app cannot start.

mod auth_links;
mod config_error;
mod confirm_sign_up;
mod forgot_password;
mod not_found;
mod reset_password;
mod room;
mod rooms;
mod sign_in;
mod sign_up;

pub use config_error::ConfigErrorPage;
pub use confirm_sign_up::ConfirmSignUp;
pub use forgot_password::ForgotPassword;
pub use not_found::NotFound;
pub use reset_password::ResetPassword;
pub use room::Room;
pub use rooms::Rooms;
pub use sign_in::SignIn;
pub use sign_up::SignUp;
