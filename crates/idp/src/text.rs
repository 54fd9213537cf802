//! Which characters names may hold, in Unicode general categories (the
//! terms Cognito's own username pattern is written in).

use unicode_general_category::{get_general_category, GeneralCategory as Category};

/// Cognito's username pattern `[\p{L}\p{M}\p{S}\p{N}\p{P}]`: letters,
/// marks, symbols, numbers, punctuation. Separators (Z*) and "other" (C*:
/// controls, format characters such as bidi overrides and zero-width
/// joiners, surrogates, private use, unassigned) are out.
pub fn is_cognito_username_char(c: char) -> bool {
    !matches!(group(c), Group::Separator | Group::Other)
}

/// Display names and email addresses may hold spaces, but nothing that is
/// invisible or reorders the text around it: no control (Cc: NUL, newlines),
/// format (Cf: U+202E RIGHT-TO-LEFT OVERRIDE, U+200B ZERO WIDTH SPACE,
/// U+200D ZERO WIDTH JOINER, U+2066..U+2069 isolates), surrogate, private-use
/// or unassigned character, and no line or paragraph separator.
pub fn is_visible_text_char(c: char) -> bool {
    match group(c) {
        Group::Other => false,
        Group::Separator => get_general_category(c) == Category::SpaceSeparator,
        _ => true,
    }
}

#[derive(PartialEq, Eq)]
enum Group {
    Separator,
    Other,
    Visible,
}

fn group(c: char) -> Group {
    match get_general_category(c) {
        Category::SpaceSeparator | Category::LineSeparator | Category::ParagraphSeparator => Group::Separator,
        Category::Control
        | Category::Format
        | Category::Surrogate
        | Category::PrivateUse
        | Category::Unassigned => Group::Other,
        _ => Group::Visible,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_take_letters_marks_symbols_numbers_punctuation_only() {
        for good in ["alice", "준호", "ünïcødé", "a.b-c_d+e", "emoji😀", "x\u{0301}"] {
            assert!(good.chars().all(is_cognito_username_char), "{good:?}");
        }
        for bad in ["a b", "nul\0", "tab\t", "rtl\u{202e}x", "zw\u{200b}sp", "zwj\u{200d}", "\u{2066}iso", "nbsp\u{a0}", "pu\u{e000}"] {
            assert!(!bad.chars().all(is_cognito_username_char), "{bad:?}");
        }
    }

    #[test]
    fn display_names_may_have_spaces_but_nothing_invisible() {
        for good in ["Alice Kim", "김 민준", "Zoë 🎉"] {
            assert!(good.chars().all(is_visible_text_char), "{good:?}");
        }
        for bad in ["Invoice \u{202e}gpj.exe", "a\0b", "line\nbreak", "zero\u{200b}width", "ls\u{2028}", "bom\u{feff}"] {
            assert!(!bad.chars().all(is_visible_text_char), "{bad:?}");
        }
    }
}
