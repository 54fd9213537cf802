//! Request decoding and the checks every operation shares.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, ErrorKind};
use crate::Inner;

/// Decodes an operation's request. Wrong JSON types are a
/// SerializationException, as with AWS; absent members are checked by the
/// operation (Cognito reports those as InvalidParameterException).
pub fn parse<T: DeserializeOwned>(request: Value) -> Result<T, ApiError> {
    serde_json::from_value(request).map_err(|error| {
        ApiError::new(
            ErrorKind::Serialization,
            format!("Unable to parse the request: {error}"),
        )
    })
}

/// A required top-level member (`member` is its name in Cognito's messages).
pub fn required<'a>(value: &'a Option<String>, member: &str) -> Result<&'a str, ApiError> {
    value
        .as_deref()
        .ok_or_else(|| ApiError::null_member(member))
}

/// A required entry of AuthParameters or ChallengeResponses.
pub fn required_param<'a>(
    params: &'a std::collections::HashMap<String, String>,
    name: &str,
) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| ApiError::missing_parameter(name))
}

/// The ClientId must name our one app client.
pub fn check_client(inner: &Inner, client_id: &Option<String>) -> Result<(), ApiError> {
    let client_id = required(client_id, "clientId")?;
    if client_id != inner.config.client_id {
        return Err(ApiError::new(
            ErrorKind::ResourceNotFound,
            format!("User pool client {client_id} does not exist."),
        ));
    }
    Ok(())
}

/// Cognito's bound on usernames: 1 to 128 characters, each matching
/// `[\p{L}\p{M}\p{S}\p{N}\p{P}]` (a letter, mark, symbol, number or
/// punctuation), so no whitespace, no control character or NUL, no bidi
/// override (U+202E, which shows "Invoice \u{202e}gpj.exe" as
/// "Invoice exe.jpg") and no zero-width character (all format characters, Cf).
pub fn check_username(username: &str) -> Result<(), ApiError> {
    let length = username.chars().count();
    if length == 0 || length > 128 || !username.chars().all(crate::text::is_cognito_username_char) {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
        ));
    }
    Ok(())
}

/// Usernames that could be mistaken for another account's identifiers are
/// refused: a UUID (the form of every sub, which clients send back as
/// USERNAME) or an email address other than the account's own (which
/// would shadow that address as a sign-in alias).
pub fn check_username_identity(username: &str, email: &str) -> Result<(), ApiError> {
    if uuid::Uuid::try_parse(username).is_ok() {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            "Username cannot be of UUID format.",
        ));
    }
    if username.contains('@') && crate::store::fold_case(username) != crate::store::fold_case(email)
    {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            "An email address used as username must be the account's email attribute.",
        ));
    }
    Ok(())
}
