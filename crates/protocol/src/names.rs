//! The name shown for a user, defined once: the SPA shows it on the messages
//! it is still sending, the backend puts it in the confirmed copies, so a
//! pending message and its confirmed copy carry the same name. The id
//! token's `name` (what the person typed at sign-up), else their email,
//! else the account's username, else its `sub`.

pub fn display_name<'a>(name: Option<&'a str>, email: Option<&'a str>, username: Option<&'a str>, sub: &'a str) -> &'a str {
    [name, email, username]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|candidate| !candidate.is_empty())
        .unwrap_or(sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_non_blank_of_name_email_username_then_the_sub() {
        assert_eq!(display_name(Some("Mina"), Some("m@x.y"), Some("u-1"), "s"), "Mina");
        assert_eq!(display_name(Some("  "), Some("m@x.y"), Some("u-1"), "s"), "m@x.y", "a blank name");
        assert_eq!(display_name(None, Some("m@x.y"), Some("u-1"), "s"), "m@x.y");
        assert_eq!(display_name(None, Some(""), Some("u-1"), "s"), "u-1");
        assert_eq!(display_name(None, None, None, "s"), "s");
        assert_eq!(display_name(Some(" Mina "), None, None, "s"), "Mina", "trimmed");
    }
}
