//! Cognito's default password policy: at least 8 characters with an upper
//! case letter, a lower case letter, a digit and a symbol. Messages are
//! Cognito's, since apps show them to users verbatim.

use crate::error::{ApiError, ErrorKind};

const MIN_LENGTH: usize = 8;
/// Cognito's hard limit on any password.
const MAX_LENGTH: usize = 256;

/// The characters Cognito counts as symbols (space counts too, but only
/// inside the password).
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// Checks a new password (sign-up, reset) against the policy.
pub fn check(password: &str) -> Result<(), ApiError> {
    let length = password.chars().count();
    if length > MAX_LENGTH {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256",
        ));
    }
    if password.starts_with(char::is_whitespace) || password.ends_with(char::is_whitespace) {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$",
        ));
    }
    let failure = if length < MIN_LENGTH {
        Some("Password not long enough")
    } else if !password.chars().any(char::is_lowercase) {
        Some("Password must have lowercase characters")
    } else if !password.chars().any(char::is_uppercase) {
        Some("Password must have uppercase characters")
    } else if !password.chars().any(|c| c.is_ascii_digit()) {
        Some("Password must have numeric characters")
    } else if !password.chars().any(|c| SYMBOLS.contains(c)) {
        Some("Password must have symbol characters")
    } else {
        None
    };
    match failure {
        Some(reason) => Err(ApiError::new(
            ErrorKind::InvalidPassword,
            format!("Password did not conform with policy: {reason}"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(password: &str) -> Option<String> {
        check(password)
            .err()
            .map(|e| format!("{}: {}", e.kind.type_name(), e.message))
    }

    #[test]
    fn accepts_passwords_that_meet_every_rule() {
        assert_eq!(reason("Passw0rd!"), None);
        assert_eq!(reason("Correct Horse 9"), None);
        assert_eq!(reason("Ünïcödé1^"), None);
    }

    #[test]
    fn names_the_first_rule_broken() {
        let policy = |r: &str| {
            Some(format!(
                "InvalidPasswordException: Password did not conform with policy: {r}"
            ))
        };
        assert_eq!(reason("Pa0!"), policy("Password not long enough"));
        assert_eq!(
            reason("PASSW0RD!"),
            policy("Password must have lowercase characters")
        );
        assert_eq!(
            reason("passw0rd!"),
            policy("Password must have uppercase characters")
        );
        assert_eq!(
            reason("Password!"),
            policy("Password must have numeric characters")
        );
        assert_eq!(
            reason("Passw0rdd"),
            policy("Password must have symbol characters")
        );
    }

    #[test]
    fn rejects_surrounding_whitespace_and_huge_passwords() {
        assert!(reason(" Passw0rd!")
            .unwrap()
            .starts_with("InvalidParameterException"));
        assert!(reason("Passw0rd! ")
            .unwrap()
            .starts_with("InvalidParameterException"));
        let huge = format!("Aa1!{}", "x".repeat(300));
        assert!(reason(&huge)
            .unwrap()
            .starts_with("InvalidParameterException"));
    }
}
