//! The in-domain data of issue 16: moodchat's own chat messages
//! (`data/chat/{ko,en}_{train,dev}.tsv`, see its README; the test split is
//! never read here) and the registry lexicons used as training rows
//! (`data/lexicons/`, see its README for sources and licences).

use super::data::{Corpus, Example, Target};
use crate::hash::fnv1a64;
use crate::model::Label;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// `crates/sentiment/data/chat`.
pub fn default_chat_dir() -> PathBuf {
    super::crate_dir().join("data/chat")
}

/// `crates/sentiment/data/lexicons`.
pub fn default_lexicon_dir() -> PathBuf {
    super::crate_dir().join("data/lexicons")
}

pub const LANGS: [&str; 2] = ["ko", "en"];

/// One chat message with the group it was written in (variations and
/// contrast pairs share a group and must stay in one fold).
#[derive(Clone, Debug)]
pub struct ChatRow {
    pub example: Example,
    pub group: String,
}

impl ChatRow {
    /// Cross-fitting fold of the row's group (0..folds), by a keyed hash.
    pub fn fold(&self, folds: usize) -> usize {
        (fnv1a64(format!("moodchat-crossfit:{}", self.group).as_bytes()) % folds.max(1) as u64) as usize
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Undoes the data's escapes (`\n`, `\t`, `\\`; any other is an error).
fn unescape(text: &str, at: &str) -> io::Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            other => return Err(invalid(format!("{at}: bad escape \\{}", other.unwrap_or(' ')))),
        }
    }
    Ok(out)
}

/// `{lang}_{split}.tsv`: header `text<TAB>label<TAB>category<TAB>group`, labels 0/1/2.
pub fn load_chat(dir: &Path, lang: &str, split: &str) -> io::Result<Vec<ChatRow>> {
    assert_ne!(split, "test", "the frozen chat test split is never used for training or calibration");
    let file = format!("{lang}_{split}.tsv");
    let path = dir.join(&file);
    let content = fs::read_to_string(&path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (i, line) in content.lines().enumerate().skip(1) {
        let at = format!("{file}:{}", i + 1);
        let cols: Vec<&str> = line.split('\t').collect();
        let [text, label, _category, group] = cols[..] else {
            return Err(invalid(format!("{at}: expected 4 columns")));
        };
        let label = match label {
            "0" => Label::Negative,
            "1" => Label::Neutral,
            "2" => Label::Positive,
            other => return Err(invalid(format!("{at}: bad label {other:?}"))),
        };
        let example = Example { text: unescape(text, &at)?, target: Target::ThreeWay(label), corpus: Corpus::Chat };
        out.push(ChatRow { example, group: group.to_string() });
    }
    Ok(out)
}

/// A lexicon file `text<TAB>valence` as polarity-only one-entry messages.
/// A dictionary word says which way it leans, not whether a message that
/// contains it shows a feeling, so the rows never push the neutral logit.
pub fn load_lexicon_rows(path: &Path) -> io::Result<Vec<Example>> {
    let content = fs::read_to_string(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (i, line) in content.lines().enumerate().skip(1) {
        let Some((text, valence)) = line.rsplit_once('\t') else {
            return Err(invalid(format!("{}:{}: no tab", path.display(), i + 1)));
        };
        let valence: f32 = valence
            .parse()
            .map_err(|_| invalid(format!("{}:{}: bad valence {valence:?}", path.display(), i + 1)))?;
        if valence == 0.0 {
            continue;
        }
        out.push(Example {
            text: text.to_string(),
            target: Target::Binary { positive: valence > 0.0 },
            corpus: Corpus::RegistryLexicon,
        });
    }
    Ok(out)
}

/// Both registry lexicons (VADER for English, AFINN-ko for Korean).
pub fn registry_lexicon_rows(dir: &Path) -> io::Result<Vec<Example>> {
    let mut rows = load_lexicon_rows(&dir.join("vader_en.tsv"))?;
    rows.extend(load_lexicon_rows(&dir.join("afinn_ko.tsv"))?);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_splits_load_with_their_groups() {
        for lang in LANGS {
            let rows = load_chat(&default_chat_dir(), lang, "train").unwrap();
            assert!(rows.len() > 1000, "{lang}: {}", rows.len());
            assert!(rows.iter().all(|r| r.group.len() == 12 && !r.example.text.is_empty()));
            let folds: std::collections::BTreeSet<usize> = rows.iter().map(|r| r.fold(5)).collect();
            assert_eq!(folds.len(), 5, "every fold gets rows");
        }
        // A group's rows share a fold.
        let rows = load_chat(&default_chat_dir(), "ko", "train").unwrap();
        for a in &rows {
            for b in rows.iter().filter(|b| b.group == a.group) {
                assert_eq!(a.fold(5), b.fold(5));
            }
        }
    }

    #[test]
    fn escapes_are_undone_and_bad_ones_rejected() {
        assert_eq!(unescape(r"a\nb\tc\\d", "x").unwrap(), "a\nb\tc\\d");
        assert!(unescape(r"a\qb", "x").is_err());
        assert!(unescape("a\\", "x").is_err());
    }

    #[test]
    #[should_panic(expected = "never used")]
    fn the_test_split_is_refused() {
        let _ = load_chat(&default_chat_dir(), "ko", "test");
    }

    #[test]
    fn registry_lexicons_load() {
        let rows = registry_lexicon_rows(&default_lexicon_dir()).unwrap();
        let find = |t: &str| rows.iter().find(|e| e.text == t).map(|e| e.target);
        assert_eq!(find("love"), Some(Target::Binary { positive: true }));
        assert_eq!(find("terrible"), Some(Target::Binary { positive: false }));
        assert_eq!(find("😭"), Some(Target::Binary { positive: false }));
        assert_eq!(find("섭섭"), Some(Target::Binary { positive: false }));
        assert!(rows.len() > 8000);
    }
}
