//! Loading the labelled corpora from `shared/data/sentiment` (see its README).

use crate::model::Label;
use std::fs;
use std::io;
use std::path::Path;

/// What an example teaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Polarity-only corpora (NSMC, SST-2): only P(pos) vs P(neg) is defined.
    Binary { positive: bool },
    /// Corpora with a real neutral class (GoEmotions groups, TweetEval).
    ThreeWay(Label),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Corpus {
    Nsmc,
    Sst2,
    GoEmotions,
    TweetEval,
    /// The hand-written lexicon's entries as one-token messages.
    Lexicon,
    /// NSMC reviews with mid ratings 5-8, as weak binary labels (7-8 leaning
    /// positive, 5-6 leaning negative).
    NsmcMid,
    /// moodchat's own chat messages (issue 16, `data/chat`), three-way.
    Chat,
    /// VADER and AFINN-ko entries as one-entry polarity-only messages (`data/lexicons`).
    RegistryLexicon,
}

impl Corpus {
    /// Movie reviews labelled by their star rating.
    pub fn is_review(self) -> bool {
        matches!(self, Corpus::Nsmc | Corpus::Sst2 | Corpus::NsmcMid)
    }

    pub fn name(self) -> &'static str {
        match self {
            Corpus::Nsmc => "NSMC-like",
            Corpus::Sst2 => "SST-2",
            Corpus::GoEmotions => "GoEmotions-groups",
            Corpus::TweetEval => "TweetEval",
            Corpus::Lexicon => "lexicon",
            Corpus::NsmcMid => "NSMC mid ratings",
            Corpus::Chat => "chat",
            Corpus::RegistryLexicon => "registry lexicons",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Example {
    pub text: String,
    pub target: Target,
    pub corpus: Corpus,
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn read(dir: &Path, file: &str) -> io::Result<String> {
    let path = dir.join(file);
    fs::read_to_string(&path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

fn binary_label(s: &str, file: &str, line: usize) -> io::Result<bool> {
    match s.trim() {
        "0" => Ok(false),
        "1" => Ok(true),
        other => Err(invalid(format!("{file}:{line}: bad label {other:?}"))),
    }
}

/// `nsmc_like_{train,test}.tsv`: header `document<TAB>label`.
pub fn load_nsmc(dir: &Path, file: &str) -> io::Result<Vec<Example>> {
    let content = read(dir, file)?;
    let mut out = Vec::new();
    for (i, line) in content.lines().enumerate().skip(1) {
        let Some((text, label)) = line.rsplit_once('\t') else {
            return Err(invalid(format!("{file}:{}: no tab", i + 1)));
        };
        let positive = binary_label(label, file, i + 1)?;
        out.push(Example { text: text.to_string(), target: Target::Binary { positive }, corpus: Corpus::Nsmc });
    }
    Ok(out)
}

/// `nsmc_neutral_5_8.tsv`: header `document<TAB>rating`, ratings 5..=8.
/// A 7 or 8 is a mild recommendation and a 5 or 6 a mild complaint, so they
/// become weak binary labels (the trainer gives them a small weight).
pub fn load_nsmc_mid(dir: &Path, file: &str) -> io::Result<Vec<Example>> {
    let content = read(dir, file)?;
    let mut out = Vec::new();
    for (i, line) in content.lines().enumerate().skip(1) {
        let Some((text, rating)) = line.rsplit_once('\t') else {
            return Err(invalid(format!("{file}:{}: no tab", i + 1)));
        };
        let positive = match rating.trim() {
            "5" | "6" => false,
            "7" | "8" => true,
            other => return Err(invalid(format!("{file}:{}: bad rating {other:?}", i + 1))),
        };
        out.push(Example { text: text.to_string(), target: Target::Binary { positive }, corpus: Corpus::NsmcMid });
    }
    Ok(out)
}

/// `sst2_*.tsv`: header `label<TAB>sentence`.
pub fn load_sst2(dir: &Path, file: &str) -> io::Result<Vec<Example>> {
    let content = read(dir, file)?;
    let mut out = Vec::new();
    for (i, line) in content.lines().enumerate().skip(1) {
        let Some((label, text)) = line.split_once('\t') else {
            return Err(invalid(format!("{file}:{}: no tab", i + 1)));
        };
        let positive = binary_label(label, file, i + 1)?;
        out.push(Example { text: text.to_string(), target: Target::Binary { positive }, corpus: Corpus::Sst2 });
    }
    Ok(out)
}

/// Counts of GoEmotions rows dropped while loading (reported by the eval).
#[derive(Clone, Copy, Debug, Default)]
pub struct GoEmotionsDropped {
    pub ambiguous: usize,
    pub multi_group: usize,
}

/// `goe_group_*.tsv`: `text<TAB>ids<TAB>comment id`, ids 0 ambiguous,
/// 1 negative, 2 neutral, 3 positive. Rows are kept only when they carry
/// exactly one id and it is not "ambiguous"; the same rule is used for
/// training, calibration and test.
pub fn load_goemotions(dir: &Path, file: &str) -> io::Result<(Vec<Example>, GoEmotionsDropped)> {
    let content = read(dir, file)?;
    let mut out = Vec::new();
    let mut dropped = GoEmotionsDropped::default();
    for (i, line) in content.lines().enumerate() {
        let mut cols = line.split('\t');
        let (Some(text), Some(ids)) = (cols.next(), cols.next()) else {
            return Err(invalid(format!("{file}:{}: expected 3 columns", i + 1)));
        };
        let ids: Vec<&str> = ids.split(',').map(str::trim).collect();
        if ids.len() != 1 {
            dropped.multi_group += 1;
            continue;
        }
        let label = match ids[0] {
            "0" => {
                dropped.ambiguous += 1;
                continue;
            }
            "1" => Label::Negative,
            "2" => Label::Neutral,
            "3" => Label::Positive,
            other => return Err(invalid(format!("{file}:{}: bad group id {other:?}", i + 1))),
        };
        out.push(Example { text: text.to_string(), target: Target::ThreeWay(label), corpus: Corpus::GoEmotions });
    }
    Ok((out, dropped))
}

/// `tweet_{split}_text.txt` + `tweet_{split}_labels.txt`: 0 negative, 1 neutral, 2 positive.
pub fn load_tweeteval(dir: &Path, split: &str) -> io::Result<Vec<Example>> {
    let text_file = format!("tweet_{split}_text.txt");
    let label_file = format!("tweet_{split}_labels.txt");
    let texts = read(dir, &text_file)?;
    let labels = read(dir, &label_file)?;
    let texts: Vec<&str> = texts.lines().collect();
    let labels: Vec<&str> = labels.lines().collect();
    if texts.len() != labels.len() {
        return Err(invalid(format!("{text_file} has {} lines, {label_file} {}", texts.len(), labels.len())));
    }
    texts
        .iter()
        .zip(&labels)
        .enumerate()
        .map(|(i, (text, label))| {
            let label = match label.trim() {
                "0" => Label::Negative,
                "1" => Label::Neutral,
                "2" => Label::Positive,
                other => return Err(invalid(format!("{label_file}:{}: bad label {other:?}", i + 1))),
            };
            Ok(Example { text: text.to_string(), target: Target::ThreeWay(label), corpus: Corpus::TweetEval })
        })
        .collect()
}

/// Deterministic subsample: every k-th row so that label balance is kept.
pub fn subsample(examples: Vec<Example>, max: usize) -> Vec<Example> {
    if max == 0 || examples.len() <= max {
        return examples;
    }
    let step = examples.len().div_ceil(max);
    examples.into_iter().step_by(step).collect()
}

/// Splits TweetEval val: row i goes to training when `every > 0` and
/// `i % every == fold`; the rest stays for calibration.
pub fn split_tweet_val(rows: Vec<Example>, every: usize, fold: usize) -> (Vec<Example>, Vec<Example>) {
    let mut train = Vec::new();
    let mut cal = Vec::new();
    for (i, ex) in rows.into_iter().enumerate() {
        if every > 0 && i % every == fold {
            train.push(ex);
        } else {
            cal.push(ex);
        }
    }
    (train, cal)
}

/// The lexicon entries as three-way examples ("ㅠㅠ" negative, "ㅋㅋ" positive,
/// "최고" positive, ...). Movie reviews teach the opposite for some chat cues
/// (ㅠㅠ = moved, ㅋㅋ = sarcasm), so a message that is nothing but the cue
/// would otherwise get the review meaning.
pub fn lexicon_examples() -> Vec<Example> {
    crate::lexicon::entries()
        .map(|(text, valence)| {
            let label = if valence > 0.0 { Label::Positive } else { Label::Negative };
            Example { text: text.to_string(), target: Target::ThreeWay(label), corpus: Corpus::Lexicon }
        })
        .collect()
}
