//! Names: the name shown for a user, and what mentions one, each defined
//! once. The SPA shows the name on the messages it is still sending, the
//! backend puts it in the confirmed copies, so a pending message and its
//! confirmed copy carry the same name: the id token's `name` (what the
//! person typed at sign-up), else their email, else the account's
//! username, else its `sub`.

pub fn display_name<'a>(name: Option<&'a str>, email: Option<&'a str>, username: Option<&'a str>, sub: &'a str) -> &'a str {
    [name, email, username]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|candidate| !candidate.is_empty())
        .unwrap_or(sub)
}

/// Whether `text` mentions `name`: `@name` at the start of a word, ASCII
/// letters in any case, not followed by more of a word ("@Anna" does not
/// mention Ann; "ana@example.com" is an address). Korean names have no case,
/// and Hangul syllables count as part of a word. (ASCII only for case: full
/// Unicode case folding would bring its tables into the app's main module,
/// where rows mark the messages that mention the reader.) The one rule of
/// the app and the servers (docs/protocol.md, "Mentions").
pub fn mentions(text: &str, name: &str) -> bool {
    let continues_word = |next: char| next.is_ascii_alphanumeric() || next == '_' || ('\u{AC00}'..='\u{D7A3}').contains(&next);
    let end = name.len();
    !name.is_empty()
        && text.match_indices('@').any(|(at, _)| {
            let rest = &text[at + 1..];
            // "ana@example.com" is an address, not a mention.
            let starts_word = !text[..at].chars().next_back().is_some_and(continues_word);
            starts_word
                && rest.len() >= end
                && rest.is_char_boundary(end)
                && rest[..end].eq_ignore_ascii_case(name)
                && !rest[end..].chars().next().is_some_and(continues_word)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_is_at_and_the_whole_name_at_the_start_of_a_word() {
        assert!(mentions("@Ana lunch?", "Ana"));
        assert!(mentions("lunch? @ana", "Ana"), "ASCII letters in any case");
        assert!(mentions("(@Ana) hey", "Ana"));
        assert!(mentions("@민지 회의", "민지"));
        assert!(!mentions("@Anabel", "Ana"));
        assert!(!mentions("@민지야", "민지"));
        assert!(!mentions("ana@example.com", "example"));
        assert!(!mentions("@", ""));
        assert!(!mentions("@éx", "a"), "never cuts a character");
    }

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
