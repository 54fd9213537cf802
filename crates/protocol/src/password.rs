//! The password policy, defined once: the SPA checks it as the user types
//! (the hints turn green before they submit) and the embedded identity
//! provider enforces it. It is Cognito's default policy, with letters read
//! as Cognito documents them, from the basic Latin alphabet: a password that
//! passes here passes on a real user pool too, and the app never shows a
//! green hint the provider then refuses.

/// The characters Cognito counts as symbols (a space counts too, but only
/// inside the password: see `has_surrounding_whitespace`).
pub const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// At least this many characters (not bytes).
pub const MIN_LENGTH: usize = 8;
/// Cognito's hard limit on any password, in characters.
pub const MAX_LENGTH: usize = 256;

/// One rule of the policy, in the order a refusal names the first broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Length,
    Lowercase,
    Uppercase,
    Digit,
    Symbol,
}

impl Rule {
    pub const ALL: [Rule; 5] = [Rule::Length, Rule::Lowercase, Rule::Uppercase, Rule::Digit, Rule::Symbol];

    /// Whether `password` satisfies this rule. Letters and digits are ASCII
    /// (A–Z, a–z, 0–9): `Ü` is not an upper case letter here.
    pub fn is_met(self, password: &str) -> bool {
        match self {
            Rule::Length => password.chars().count() >= MIN_LENGTH,
            Rule::Lowercase => password.bytes().any(|b| b.is_ascii_lowercase()),
            Rule::Uppercase => password.bytes().any(|b| b.is_ascii_uppercase()),
            Rule::Digit => password.bytes().any(|b| b.is_ascii_digit()),
            Rule::Symbol => password.chars().any(|c| SYMBOLS.contains(c)),
        }
    }
}

/// The first rule `password` breaks, if any.
pub fn first_unmet(password: &str) -> Option<Rule> {
    Rule::ALL.into_iter().find(|rule| !rule.is_met(password))
}

/// Whether the password meets every rule.
pub fn is_acceptable(password: &str) -> bool {
    first_unmet(password).is_none()
}

/// Leading or trailing whitespace, which Cognito refuses as a malformed
/// parameter rather than as a weak password.
pub fn has_surrounding_whitespace(password: &str) -> bool {
    password.starts_with(char::is_whitespace) || password.ends_with(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unmet(password: &str) -> Vec<Rule> {
        Rule::ALL.into_iter().filter(|rule| !rule.is_met(password)).collect()
    }

    #[test]
    fn each_rule_is_checked_on_its_own() {
        assert_eq!(unmet(""), Rule::ALL.to_vec());
        assert_eq!(unmet("abc"), [Rule::Length, Rule::Uppercase, Rule::Digit, Rule::Symbol]);
        assert_eq!(unmet("abcdefgH"), [Rule::Digit, Rule::Symbol]);
        assert_eq!(unmet("abcdefgH1"), [Rule::Symbol]);
        assert_eq!(unmet("Passw0rd!x"), []);
        assert!(is_acceptable("Passw0rd!x") && !is_acceptable("Passw0rdx"));
        assert_eq!(first_unmet("PASSW0RD!"), Some(Rule::Lowercase));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(!Rule::Length.is_met("비밀번호1A!"), "7 characters, 17 bytes");
        assert!(Rule::Length.is_met("비밀번호12A!"));
        assert!(Rule::Symbol.is_met("a b"), "a space inside counts as a symbol");
    }

    #[test]
    fn letters_outside_basic_latin_do_not_count() {
        // The app checked ASCII and the identity provider Unicode: this
        // password was refused by one and accepted by the other.
        assert_eq!(first_unmet("Ünïcödé1^"), Some(Rule::Uppercase));
        assert_eq!(first_unmet("ÜNÏCÖDÉ1^"), Some(Rule::Lowercase));
        assert!(is_acceptable("비밀번호Ab1!"));
    }

    #[test]
    fn surrounding_whitespace_is_its_own_check() {
        assert!(has_surrounding_whitespace(" Passw0rd!") && has_surrounding_whitespace("Passw0rd!\t"));
        assert!(!has_surrounding_whitespace("Pass w0rd!"));
    }
}
