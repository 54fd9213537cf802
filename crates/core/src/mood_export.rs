//! The author's corrections as labelled data for the next training round:
//! one TSV line per corrected message with the text, its language when the
//! script tells it, the model's label, the author's label and when the author
//! chose it. No user ids or names: the text is the data. Any home's store
//! can be exported with the same code (`MessageStore::author_moods`).

use std::io::Write;

use moodchat_protocol::{ApiError, Message};

use crate::ports::MessageStore;

/// The first line of an export.
pub const HEADER: &str = "text\tlanguage\tmodel_label\tauthor_label\tlabelled_at\n";

/// Messages read from the store per round trip.
const PAGE: u32 = 500;

#[derive(Debug)]
pub enum ExportError {
    Store(ApiError),
    Write(std::io::Error),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Store(error) => write!(f, "reading the store failed: {}", error.message),
            ExportError::Write(error) => write!(f, "writing the export failed: {error}"),
        }
    }
}

impl std::error::Error for ExportError {}

/// Writes the header and every corrected message, oldest first. Returns how
/// many lines of data were written.
pub async fn export_tsv(store: &dyn MessageStore, out: &mut dyn Write) -> Result<u64, ExportError> {
    out.write_all(HEADER.as_bytes()).map_err(ExportError::Write)?;
    let (mut after, mut written) = (None::<String>, 0u64);
    loop {
        let page = store.author_moods(after.as_deref(), PAGE).await.map_err(ExportError::Store)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for line in page.iter().filter_map(tsv_line) {
            out.write_all(line.as_bytes()).map_err(ExportError::Write)?;
            written += 1;
        }
    }
    out.flush().map_err(ExportError::Write)?;
    Ok(written)
}

/// One line (with its newline) for a message with an author's mood; `None`
/// for one without.
pub fn tsv_line(message: &Message) -> Option<String> {
    let author = message.author_mood?;
    let model = message.sentiment.as_ref().map_or("", |s| s.label.as_str());
    Some(format!(
        "{}\t{}\t{}\t{}\t{}\n",
        escape(&message.text),
        language(&message.text),
        escape(model),
        author.label.as_str(),
        author.set_at
    ))
}

/// `ko` when the text has any Hangul, `en` when it has Latin letters and no
/// Hangul (moodchat's two languages), empty when the script does not say.
pub fn language(text: &str) -> &'static str {
    let hangul = |c: char| matches!(c, '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{AC00}'..='\u{D7AF}');
    if text.chars().any(hangul) {
        "ko"
    } else if text.chars().any(|c| c.is_ascii_alphabetic()) {
        "en"
    } else {
        ""
    }
}

/// Tabs, line breaks and backslashes as `\t`, `\n`, `\r`, `\\`, so that
/// one message is one line and a field never splits (the escaping of
/// PostgreSQL's text COPY format; Python reads it back with
/// `codecs.decode(field, "unicode_escape")` or a csv dialect with
/// `escapechar`).
fn escape(field: &str) -> String {
    let mut escaped = String::with_capacity(field.len());
    for c in field.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '\t' => escaped.push_str("\\t"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_never_splits_whatever_the_text() {
        assert_eq!(escape("a\tb\nc\r\\d"), "a\\tb\\nc\\r\\\\d");
        assert_eq!(escape("그냥 평범한 말"), "그냥 평범한 말");
    }

    #[test]
    fn the_language_comes_from_the_script() {
        assert_eq!(language("도와줘서 진짜 고마워"), "ko");
        assert_eq!(language("deploy 끝났어 ㅎㅎ"), "ko");
        assert_eq!(language("ㅠㅠ"), "ko");
        assert_eq!(language("thanks a lot"), "en");
        assert_eq!(language("😊 123"), "");
    }
}
