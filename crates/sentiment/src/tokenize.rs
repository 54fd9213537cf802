//! Text normalisation and tokenisation for chat messages in Korean and English.
//!
//! Korean is not segmented into morphemes (that needs a dictionary we do not
//! want in the wasm bundle); whitespace-separated eojeol plus character
//! n-grams (see `features`) carry the signal instead. English words keep
//! contractions together ("doesn't", SST-2's split "n't"), and emoji,
//! ASCII emoticons and the Korean jamo laughter/crying runs (ㅋㅋ, ㅎㅎ, ㅠㅠ)
//! become tokens of their own because they are strong mood cues.

/// Placeholder characters (Unicode private use) standing for whole tokens
/// whose spelling carries no sentiment, so that they share one feature.
pub const URL_MARK: char = '\u{E000}';
pub const MENTION_MARK: char = '\u{E001}';

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters/digits (any script), with inner apostrophes for English.
    Word,
    /// A run of Hangul compatibility jamo such as ㅋㅋ, ㅎㅎ, ㅠㅠ.
    Jamo,
    Emoji,
    Emoticon,
    /// Sentence punctuation; also ends a negation scope.
    Punct,
    /// URL or @mention placeholder.
    Placeholder,
}

/// A token is a range of the normalised character buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
}

impl Token {
    pub fn chars<'a>(&self, text: &'a [char]) -> &'a [char] {
        &text[self.start..self.end]
    }
}

/// Normalises `text` into `out`:
/// - lower case (so "GOOD" and "good" share features),
/// - URLs and @mentions replaced by a placeholder character,
/// - ’ and ` mapped to ', ㅜ mapped to ㅠ (same crying face),
/// - emoji presentation selectors / skin tones / ZWJ dropped,
/// - any character repeated more than twice cut to two ("ㅋㅋㅋㅋ" -> "ㅋㅋ",
///   "soooo" -> "soo", "!!!!" -> "!!"): elongation length is noise,
/// - whitespace runs collapsed to one space, with one space of padding on
///   each side so that character n-grams see word starts and ends.
pub fn normalize_into(text: &str, out: &mut Vec<char>) {
    out.clear();
    out.push(' ');
    for chunk in text.split_whitespace() {
        if out.len() > 1 {
            out.push(' ');
        }
        if is_url(chunk) {
            push_collapsed(out, URL_MARK);
            continue;
        }
        let mut chars = chunk.chars().peekable();
        if chunk.starts_with('@') && chunk.len() > 1 {
            // "@user", "@someone:" -> placeholder, keep trailing punctuation.
            chars.next();
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || c == '_' {
                    chars.next();
                } else {
                    break;
                }
            }
            push_collapsed(out, MENTION_MARK);
        }
        for c in chars {
            let c = match c {
                '\u{2019}' | '\u{2018}' | '`' => '\'',
                'ㅜ' => 'ㅠ',
                '\u{FE0E}' | '\u{FE0F}' | '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}' => continue,
                c if c.is_ascii() => c.to_ascii_lowercase(),
                c if c.is_uppercase() => {
                    // Only take single-char lowercase mappings: keeps the
                    // char count (and thus n-grams) simple and predictable.
                    let mut lower = c.to_lowercase();
                    match (lower.next(), lower.next()) {
                        (Some(l), None) => l,
                        _ => c,
                    }
                }
                c => c,
            };
            push_collapsed(out, c);
        }
    }
    out.push(' ');
}

fn push_collapsed(out: &mut Vec<char>, c: char) {
    let n = out.len();
    if n >= 2 && out[n - 1] == c && out[n - 2] == c {
        return;
    }
    out.push(c);
}

fn is_url(chunk: &str) -> bool {
    let lower = chunk.as_bytes();
    let starts = |p: &[u8]| lower.len() > p.len() && lower[..p.len()].eq_ignore_ascii_case(p);
    starts(b"http://") || starts(b"https://") || starts(b"www.")
}

pub fn is_hangul_jamo(c: char) -> bool {
    ('\u{3131}'..='\u{318E}').contains(&c)
}

pub fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Whether a message is (at least partly) Korean: it has a Hangul syllable.
/// Bare jamo runs (ㅋㅋ, ㅠㅠ) do not count; they appear in any chat.
pub fn has_hangul_syllable(text: &str) -> bool {
    text.chars().any(is_hangul_syllable)
}

pub fn is_emoji(c: char) -> bool {
    matches!(c,
        '\u{1F000}'..='\u{1FAFF}'   // pictographs, emoticons, transport, symbols
        | '\u{2600}'..='\u{27BF}'   // misc symbols (☺ ♥ ☹) and dingbats (❤ ✨)
        | '\u{2B50}' | '\u{2B55}' | '\u{3030}' | '\u{303D}')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_hangul_jamo(c) && !is_emoji(c)
}

/// ASCII emoticons (already lower-cased), longest first so ":-)" wins over ":-".
const EMOTICONS: &[&str] = &[
    "^_^", "^o^", ">_<", "-_-", ":'(", ":-)", ":-(", ":-d", ":-p", ":-/", ";-)", "</3", "t_t",
    "t.t", "^^", ":)", ":(", ":d", ":p", ":/", ":o", ":|", ":]", ":[", ":3", ";)", "=)", "=(",
    "<3", "xd", "(:", "):",
];

fn match_emoticon(text: &[char], i: usize) -> Option<usize> {
    'next: for emo in EMOTICONS {
        let mut len = 0;
        for (k, e) in emo.chars().enumerate() {
            if text.get(i + k) != Some(&e) {
                continue 'next;
            }
            len += 1;
        }
        let first = text[i];
        let last = text[i + len - 1];
        // "xd" inside "index", ":d" in "re:do": letter ends must not touch a word.
        if first.is_alphanumeric() && i > 0 && is_word_char(text[i - 1]) {
            continue;
        }
        if last.is_alphanumeric() && text.get(i + len).is_some_and(|&c| is_word_char(c)) {
            continue;
        }
        return Some(len);
    }
    None
}

/// Splits normalised text into tokens (appended to `out`, which is cleared).
pub fn tokenize_into(text: &[char], out: &mut Vec<Token>) {
    out.clear();
    let n = text.len();
    let mut i = 0;
    while i < n {
        let c = text[i];
        if c == ' ' {
            i += 1;
            continue;
        }
        if !is_word_char(c) || c == 'x' || c == 't' {
            if let Some(len) = match_emoticon(text, i) {
                out.push(Token { start: i, end: i + len, kind: TokenKind::Emoticon });
                i += len;
                continue;
            }
        }
        let start = i;
        let kind = if is_word_char(c) || (c == '\'' && text.get(i + 1).is_some_and(|&d| d.is_alphabetic())) {
            i += 1;
            while i < n {
                let d = text[i];
                let inner_apostrophe =
                    d == '\'' && text.get(i + 1).is_some_and(|&e| e.is_ascii_alphabetic());
                if is_word_char(d) || inner_apostrophe {
                    i += 1;
                } else {
                    break;
                }
            }
            TokenKind::Word
        } else if is_hangul_jamo(c) {
            while i < n && is_hangul_jamo(text[i]) {
                i += 1;
            }
            TokenKind::Jamo
        } else if is_emoji(c) {
            i += 1;
            TokenKind::Emoji
        } else if c == URL_MARK || c == MENTION_MARK {
            i += 1;
            TokenKind::Placeholder
        } else {
            // Punctuation/symbol: keep runs of the same char ("!!", "..") together.
            i += 1;
            while i < n && text[i] == c {
                i += 1;
            }
            TokenKind::Punct
        };
        out.push(Token { start, end: i, kind });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, TokenKind)> {
        let mut norm = Vec::new();
        let mut toks = Vec::new();
        normalize_into(text, &mut norm);
        tokenize_into(&norm, &mut toks);
        toks.iter().map(|t| (t.chars(&norm).iter().collect(), t.kind)).collect()
    }

    fn texts(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|(s, _)| s).collect()
    }

    #[test]
    fn normalizes_case_repeats_and_spaces() {
        let mut out = Vec::new();
        normalize_into("  SOOOO   Good!!!!  ", &mut out);
        assert_eq!(out.iter().collect::<String>(), " soo good!! ");
    }

    #[test]
    fn korean_eojeol_and_laughter() {
        assert_eq!(
            tokens("정말 최고의 영화였어요 ㅋㅋㅋㅋ"),
            vec![
                ("정말".into(), TokenKind::Word),
                ("최고의".into(), TokenKind::Word),
                ("영화였어요".into(), TokenKind::Word),
                ("ㅋㅋ".into(), TokenKind::Jamo),
            ]
        );
        // ㅜㅜ and ㅠㅠ are the same crying face; jamo split from syllables.
        assert_eq!(texts("최악이다ㅜㅜㅜ"), vec!["최악이다", "ㅠㅠ"]);
    }

    #[test]
    fn english_contractions_stay_whole() {
        assert_eq!(texts("It doesn't work, it's bad"), vec!["it", "doesn't", "work", ",", "it's", "bad"]);
        // SST-2 style pre-split contraction.
        assert_eq!(texts("does n't work"), vec!["does", "n't", "work"]);
        assert_eq!(texts("I’m fine"), vec!["i'm", "fine"]);
    }

    #[test]
    fn emoji_and_emoticons() {
        assert_eq!(
            tokens("love it 😍👍🏽 :) :-( xD"),
            vec![
                ("love".into(), TokenKind::Word),
                ("it".into(), TokenKind::Word),
                ("😍".into(), TokenKind::Emoji),
                ("👍".into(), TokenKind::Emoji),
                (":)".into(), TokenKind::Emoticon),
                (":-(".into(), TokenKind::Emoticon),
                ("xd".into(), TokenKind::Emoticon),
            ]
        );
        // Letters inside words are not emoticons.
        assert_eq!(texts("index today"), vec!["index", "today"]);
        assert_eq!(tokens("좋아요^^")[1], ("^^".into(), TokenKind::Emoticon));
    }

    #[test]
    fn urls_and_mentions_become_placeholders() {
        let toks = tokens("@user see https://x.co/abc ok");
        assert_eq!(toks[0], (MENTION_MARK.to_string(), TokenKind::Placeholder));
        assert_eq!(toks[2], (URL_MARK.to_string(), TokenKind::Placeholder));
    }

    #[test]
    fn empty_and_whitespace_only_input() {
        assert!(tokens("").is_empty());
        assert!(tokens(" \t\n ").is_empty());
    }
}
