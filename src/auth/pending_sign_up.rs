//! The password of an account just signed up, held in memory (never stored)
//! until its email is confirmed, so that confirming the code signs in at
//! once instead of asking for the password again. A reload forgets it: then
//! the user signs in as usual.

use std::cell::RefCell;

thread_local! {
    static HELD: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Holds `password` for `email` (replacing any other account's).
pub fn hold(email: &str, password: &str) {
    HELD.with(|held| *held.borrow_mut() = Some((email.to_owned(), password.to_owned())));
}

/// The password held for `email`, forgotten once taken.
pub fn take(email: &str) -> Option<String> {
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        if held.as_ref().is_some_and(|(held_email, _)| held_email == email) {
            held.take().map(|(_, password)| password)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_password_is_given_once_and_only_for_its_email() {
        hold("ana@example.com", "Corr3ct-horse!");
        assert_eq!(take("bob@example.com"), None, "another account's confirmation");
        assert_eq!(take("ana@example.com").as_deref(), Some("Corr3ct-horse!"));
        assert_eq!(take("ana@example.com"), None, "taken once");
    }
}
