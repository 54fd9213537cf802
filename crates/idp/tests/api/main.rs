//! End-to-end tests of the provider through its HTTP router.

mod abuse;
mod keys;
mod password_reset;
mod property;
mod protocol;
mod sessions;
mod sign_up;
mod srp_sign_in;
mod support;
