//! Finding links in message text so they can be made clickable safely: only
//! `http://` and `https://` URLs become links (never `javascript:` or `data:`),
//! and everything is rendered as text nodes, never parsed as HTML.

/// A piece of message text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Punctuation that usually ends a sentence rather than a URL.
const TRAILING: &[char] = &['.', ',', '!', '?', ':', ';', ')', ']', '}', '\'', '"', '>', '。', '、'];

/// Splits `text` into plain text and http(s) links.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    // Start of the text not yet emitted, and where to look for the next URL.
    let (mut text_start, mut search_from) = (0, 0);
    while let Some(found) = find_scheme(&text[search_from..]) {
        let start = search_from + found;
        let candidate = &text[start..];
        let end = candidate.find(|c: char| c.is_whitespace() || c == '<').unwrap_or(candidate.len());
        let url = candidate[..end].trim_end_matches(TRAILING);
        let scheme_len = if url.starts_with("https://") { 8 } else { 7 };
        if url.len() <= scheme_len {
            // A bare scheme ("https://") is not a link.
            search_from = start + scheme_len;
            continue;
        }
        if start > text_start {
            out.push(Segment::Text(&text[text_start..start]));
        }
        out.push(Segment::Link(url));
        text_start = start + url.len();
        search_from = text_start;
    }
    if text_start < text.len() {
        out.push(Segment::Text(&text[text_start..]));
    }
    out
}

fn find_scheme(text: &str) -> Option<usize> {
    match (text.find("http://"), text.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
