//! Cognito's default password policy, checked as the user types so the hints
//! turn green before they submit. The provider checks it again; this only
//! spares a round trip and says what is missing.

/// The characters Cognito counts as symbols.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

pub const MIN_LENGTH: usize = 8;

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

    /// Whether `password` satisfies this rule. Letters are Latin (A–Z, a–z),
    /// as in Cognito's documented policy.
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

/// Whether the password meets every rule.
pub fn is_acceptable(password: &str) -> bool {
    Rule::ALL.into_iter().all(|rule| rule.is_met(password))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

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
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(!Rule::Length.is_met("비밀번호1A!"), "7 characters, 17 bytes");
        assert!(Rule::Length.is_met("비밀번호12A!"));
        assert!(Rule::Symbol.is_met("a b"), "a space inside counts as a symbol");
    }
}
