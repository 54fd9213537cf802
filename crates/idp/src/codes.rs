//! Six-digit confirmation and reset codes: issued to the outbox, stored as a
//! keyed MAC, single use, expiring, with a bounded number of guesses and a
//! bounded number of deliveries per hour.

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use time::format_description::well_known::Rfc3339;

use crate::error::{ApiError, ErrorKind};
use crate::outbox::OutboxMessage;
use crate::store::{CodePurpose, User};
use crate::Inner;

/// Sign-up confirmation codes live 24 hours, as Cognito's do.
pub const CONFIRM_CODE_TTL_SECS: i64 = 24 * 60 * 60;
/// Password reset codes live one hour, as Cognito's do.
pub const RESET_CODE_TTL_SECS: i64 = 60 * 60;
/// Wrong guesses allowed per code before it is destroyed.
pub const MAX_CODE_ATTEMPTS: u32 = 5;
/// Deliveries allowed per user and purpose within [`SEND_WINDOW_SECS`].
pub const MAX_SENDS_PER_WINDOW: u32 = 5;
pub const SEND_WINDOW_SECS: i64 = 60 * 60;

fn ttl(purpose: CodePurpose) -> i64 {
    match purpose {
        CodePurpose::ConfirmSignUp => CONFIRM_CODE_TTL_SECS,
        CodePurpose::ResetPassword => RESET_CODE_TTL_SECS,
    }
}

fn outbox_purpose(purpose: CodePurpose) -> &'static str {
    match purpose {
        CodePurpose::ConfirmSignUp => "confirm_sign_up",
        CodePurpose::ResetPassword => "forgot_password",
    }
}

/// Binds the code to its user and purpose, so a code can't be replayed for
/// another account or the other flow.
fn code_mac(secret: &[u8], sub: &str, purpose: CodePurpose, code: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(outbox_purpose(purpose).as_bytes());
    mac.update(&[0]);
    mac.update(sub.as_bytes());
    mac.update(&[0]);
    mac.update(code.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Issues a new code (replacing any earlier one) and delivers it to the
/// user's email. Returns Cognito's CodeDeliveryDetails.
pub fn issue(
    inner: &Inner,
    user: &User,
    purpose: CodePurpose,
) -> Result<serde_json::Value, ApiError> {
    let now = inner.now();
    let sends = inner
        .store
        .code_sends_after(&user.sub, purpose, now - SEND_WINDOW_SECS)?;
    if sends >= MAX_SENDS_PER_WINDOW {
        return Err(ApiError::attempt_limit());
    }
    inner
        .store
        .record_code_send(&user.sub, purpose, now, now - SEND_WINDOW_SECS)?;

    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let mac = code_mac(&inner.secret, &user.sub, purpose, &code);
    inner
        .store
        .put_code(&user.sub, purpose, &mac, now + ttl(purpose))?;

    let message = OutboxMessage {
        sent_at: inner.now_datetime().format(&Rfc3339).unwrap_or_default(),
        to: user.email.clone(),
        username: user.username.clone(),
        purpose: outbox_purpose(purpose).to_owned(),
        code,
    };
    inner.outbox.deliver(&message).map_err(|error| {
        tracing::error!(%error, "idp outbox: delivery failed");
        ApiError::internal()
    })?;
    Ok(delivery_details(&user.email))
}

/// Checks a presented code and spends it on success.
pub fn redeem(
    inner: &Inner,
    user: &User,
    purpose: CodePurpose,
    presented: &str,
) -> Result<(), ApiError> {
    let Some(stored) = inner.store.get_code(&user.sub, purpose)? else {
        return Err(ApiError::expired_code());
    };
    if stored.expires_at <= inner.now() {
        inner.store.delete_code(&user.sub, purpose)?;
        return Err(ApiError::expired_code());
    }
    if stored.failed_attempts >= MAX_CODE_ATTEMPTS {
        inner.store.delete_code(&user.sub, purpose)?;
        return Err(ApiError::attempt_limit());
    }
    let expected = code_mac(&inner.secret, &user.sub, purpose, presented.trim());
    if !bool::from(expected.as_slice().ct_eq(&stored.code_mac)) {
        inner.store.count_code_failure(&user.sub, purpose)?;
        if stored.failed_attempts + 1 >= MAX_CODE_ATTEMPTS {
            // The last allowed guess was wrong: the code is gone.
            inner.store.delete_code(&user.sub, purpose)?;
            return Err(ApiError::attempt_limit());
        }
        return Err(ApiError::code_mismatch());
    }
    inner.store.delete_code(&user.sub, purpose)?;
    Ok(())
}

/// Cognito's CodeDeliveryDetails for an email destination.
pub fn delivery_details(email: &str) -> serde_json::Value {
    serde_json::json!({
        "AttributeName": "email",
        "DeliveryMedium": "EMAIL",
        "Destination": mask_email(email),
    })
}

/// "alice@example.com" -> "a***@e***", Cognito's masking.
pub fn mask_email(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(local), first(domain))
}

/// Rejects code strings that can't be a code before touching the store;
/// Cognito's pattern is `[\S]+`, length 1 to 2048.
pub fn validate_code_shape(code: &str) -> Result<(), ApiError> {
    if code.is_empty() || code.len() > 2048 || code.chars().any(char::is_whitespace) {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            "1 validation error detected: Value at 'confirmationCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+",
        ));
    }
    Ok(())
}

/// CodeDeliveryDetails for a name that has no deliverable account, so that
/// the answer looks like a real one (Cognito's PreventUserExistenceErrors).
/// Deterministic per name: asking twice must not reveal anything either.
pub fn simulated_delivery_details(inner: &Inner, login: &str) -> serde_json::Value {
    if login.contains('@') {
        return delivery_details(login);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(&inner.secret).expect("HMAC takes any key length");
    mac.update(b"simulated-destination\0");
    mac.update(crate::store::fold_case(login).as_bytes());
    let digest = mac.finalize().into_bytes();
    let letter = |byte: u8| char::from(b'a' + byte % 26);
    delivery_details(&format!("{}@{}", letter(digest[0]), letter(digest[1])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_cognito() {
        assert_eq!(mask_email("alice@example.com"), "a***@e***");
        assert_eq!(mask_email("x@y"), "x***@y***");
    }

    #[test]
    fn macs_bind_user_and_purpose() {
        let secret = [9u8; 32];
        let a = code_mac(&secret, "s1", CodePurpose::ConfirmSignUp, "123456");
        assert_eq!(
            a,
            code_mac(&secret, "s1", CodePurpose::ConfirmSignUp, "123456")
        );
        assert_ne!(
            a,
            code_mac(&secret, "s2", CodePurpose::ConfirmSignUp, "123456")
        );
        assert_ne!(
            a,
            code_mac(&secret, "s1", CodePurpose::ResetPassword, "123456")
        );
        assert_ne!(
            a,
            code_mac(&secret, "s1", CodePurpose::ConfirmSignUp, "123457")
        );
    }
}
