//! What can go wrong when talking to the identity provider, and how to say it
//! to the user in their language.

use crate::i18n::AuthTexts;

/// A failed identity-provider call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthError {
    /// Cognito answered with an error document: `__type` (without any
    /// `namespace#` prefix) and `message`.
    Service { kind: String, message: String },
    /// The request did not complete: offline, DNS, CORS, server down.
    Network,
    /// Anything else: an answer we do not understand, the SRP worker failing.
    Unexpected(String),
}

/// The errors the app explains in its own words; everything else is shown
/// with its type and message so it can still be reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NotAuthorized,
    /// `NotAuthorizedException` "Password attempts exceeded": locked for a while.
    AttemptsExceeded,
    UserNotConfirmed,
    UsernameExists,
    AliasExists,
    CodeMismatch,
    ExpiredCode,
    InvalidPassword,
    InvalidParameter,
    /// LimitExceededException and TooManyRequestsException.
    TooManyRequests,
    UserNotFound,
    Network,
    Other,
}

impl AuthError {
    /// Builds the error from a Cognito error document (`{"__type", "message"}`).
    pub fn from_service(kind: &str, message: &str) -> AuthError {
        // The JSON protocol may qualify the type: "com.amazonaws...#NotAuthorizedException".
        let kind = kind.rsplit('#').next().unwrap_or(kind);
        AuthError::Service { kind: kind.to_owned(), message: message.to_owned() }
    }

    pub fn kind(&self) -> ErrorKind {
        let (kind, message) = match self {
            AuthError::Service { kind, message } => (kind.as_str(), message.as_str()),
            AuthError::Network => return ErrorKind::Network,
            AuthError::Unexpected(_) => return ErrorKind::Other,
        };
        match kind {
            "NotAuthorizedException" if message.contains("attempts exceeded") => ErrorKind::AttemptsExceeded,
            "NotAuthorizedException" => ErrorKind::NotAuthorized,
            "UserNotConfirmedException" => ErrorKind::UserNotConfirmed,
            "UsernameExistsException" => ErrorKind::UsernameExists,
            "AliasExistsException" => ErrorKind::AliasExists,
            "CodeMismatchException" => ErrorKind::CodeMismatch,
            "ExpiredCodeException" => ErrorKind::ExpiredCode,
            "InvalidPasswordException" => ErrorKind::InvalidPassword,
            "InvalidParameterException" => ErrorKind::InvalidParameter,
            "LimitExceededException" | "TooManyRequestsException" | "TooManyFailedAttemptsException" => {
                ErrorKind::TooManyRequests
            }
            "UserNotFoundException" => ErrorKind::UserNotFound,
            _ => ErrorKind::Other,
        }
    }

    /// The sentence shown to the user.
    pub fn describe(&self, t: &AuthTexts) -> String {
        let known = match self.kind() {
            ErrorKind::NotAuthorized => t.error_not_authorized,
            ErrorKind::AttemptsExceeded => t.error_attempts_exceeded,
            ErrorKind::UserNotConfirmed => t.error_user_not_confirmed,
            ErrorKind::UsernameExists => t.error_username_exists,
            ErrorKind::AliasExists => t.error_alias_exists,
            ErrorKind::CodeMismatch => t.error_code_mismatch,
            ErrorKind::ExpiredCode => t.error_expired_code,
            ErrorKind::InvalidPassword => t.error_invalid_password,
            ErrorKind::InvalidParameter => t.error_invalid_parameter,
            ErrorKind::TooManyRequests => t.error_too_many_requests,
            ErrorKind::UserNotFound => t.error_user_not_found,
            ErrorKind::Network => t.error_network,
            ErrorKind::Other => "",
        };
        if !known.is_empty() {
            return known.to_owned();
        }
        // Unknown: the generic sentence plus what the server said, for support.
        let detail = match self {
            AuthError::Service { kind, message } => [kind.as_str(), ": ", message.as_str()].concat(),
            AuthError::Unexpected(detail) => detail.clone(),
            AuthError::Network => String::new(),
        };
        [t.error_unknown, " (", &detail, ")"].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN_AUTH, KO_AUTH};
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn service(kind: &str, message: &str) -> AuthError {
        AuthError::from_service(kind, message)
    }

    #[test]
    fn every_documented_cognito_error_has_its_own_translated_sentence() {
        let cases = [
            ("NotAuthorizedException", "Incorrect username or password.", ErrorKind::NotAuthorized),
            ("NotAuthorizedException", "Password attempts exceeded", ErrorKind::AttemptsExceeded),
            ("UserNotConfirmedException", "User is not confirmed.", ErrorKind::UserNotConfirmed),
            ("UsernameExistsException", "User already exists", ErrorKind::UsernameExists),
            ("AliasExistsException", "An account with the email already exists.", ErrorKind::AliasExists),
            ("CodeMismatchException", "Invalid verification code provided", ErrorKind::CodeMismatch),
            ("ExpiredCodeException", "Invalid code provided", ErrorKind::ExpiredCode),
            ("InvalidPasswordException", "Password did not conform with policy", ErrorKind::InvalidPassword),
            ("InvalidParameterException", "1 validation error detected", ErrorKind::InvalidParameter),
            ("LimitExceededException", "Attempt limit exceeded", ErrorKind::TooManyRequests),
            ("TooManyRequestsException", "Rate exceeded", ErrorKind::TooManyRequests),
            ("UserNotFoundException", "User does not exist.", ErrorKind::UserNotFound),
        ];
        let mut english = Vec::new();
        for (kind, message, expected) in cases {
            let error = service(kind, message);
            assert_eq!(error.kind(), expected, "{kind}: {message}");
            let (en, ko) = (error.describe(&EN_AUTH), error.describe(&KO_AUTH));
            assert!(!en.is_empty() && !ko.is_empty());
            assert_ne!(en, ko, "{kind} is translated");
            assert!(!en.contains(kind), "a known error is explained, not dumped: {en}");
            english.push(en);
        }
        english.sort();
        english.dedup();
        assert_eq!(english.len(), cases.len() - 1, "one sentence per kind (two map to too-many-requests)");
    }

    #[test]
    fn network_errors_and_qualified_types_are_understood() {
        assert_eq!(AuthError::Network.describe(&EN_AUTH), EN_AUTH.error_network);
        assert_eq!(AuthError::Network.describe(&KO_AUTH), KO_AUTH.error_network);
        let qualified = service("com.amazonaws.cognito#CodeMismatchException", "x");
        assert_eq!(qualified.kind(), ErrorKind::CodeMismatch);
    }

    #[test]
    fn unknown_errors_show_their_type_and_message() {
        let error = service("ResourceNotFoundException", "User pool client web does not exist.");
        assert_eq!(error.kind(), ErrorKind::Other);
        let shown = error.describe(&KO_AUTH);
        assert!(shown.starts_with(KO_AUTH.error_unknown), "{shown}");
        assert!(shown.contains("ResourceNotFoundException: User pool client web does not exist."), "{shown}");
        let odd = AuthError::Unexpected("no AuthenticationResult".into()).describe(&EN_AUTH);
        assert!(odd.contains("no AuthenticationResult"), "{odd}");
    }
}
