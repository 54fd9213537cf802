//! Cognito's default password policy (moodchat_protocol::password, the rule
//! the app checks as the user types), enforced with Cognito's messages, since
//! apps show them to users verbatim.

use moodchat_protocol::password::{first_unmet, has_surrounding_whitespace, Rule, MAX_LENGTH};

use crate::error::{ApiError, ErrorKind};

/// Checks a new password (sign-up, reset) against the policy.
pub fn check(password: &str) -> Result<(), ApiError> {
    if password.chars().count() > MAX_LENGTH {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256",
        ));
    }
    if has_surrounding_whitespace(password) {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$",
        ));
    }
    let failure = first_unmet(password).map(|rule| match rule {
        Rule::Length => "Password not long enough",
        Rule::Lowercase => "Password must have lowercase characters",
        Rule::Uppercase => "Password must have uppercase characters",
        Rule::Digit => "Password must have numeric characters",
        Rule::Symbol => "Password must have symbol characters",
    });
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
        assert_eq!(reason("Ünïcödé1^A"), None, "ASCII letters among others");
        // Letters outside A-Z do not count, as in the app's hints.
        assert_eq!(
            reason("Ünïcödé1^"),
            Some("InvalidPasswordException: Password did not conform with policy: Password must have uppercase characters".into())
        );
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
