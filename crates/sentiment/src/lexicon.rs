//! A small hand-written Korean + English sentiment lexicon, scored the VADER
//! way (valences summed with negation flips and intensifier boosts, then
//! squashed to a compound score in [-1, 1]). It is the baseline the learned
//! model is compared against in `sentiment-eval`; at runtime only `valence`
//! is used, by the feature extractor (lexicon-cue features).

use crate::math::softmax3;
use crate::model::{Label, Prediction};
use crate::tokenize::{normalize_into, tokenize_into, Token, TokenKind};

/// Exact-match English words, emoticons, emoji and jamo runs.
const EXACT: &[(&str, f32)] = &[
    ("good", 1.9), ("great", 3.1), ("love", 3.2), ("loved", 2.9), ("loves", 2.7),
    ("like", 1.5), ("liked", 1.8), ("best", 3.2), ("excellent", 3.2), ("amazing", 2.8),
    ("awesome", 3.1), ("wonderful", 2.7), ("fantastic", 2.6), ("beautiful", 2.9),
    ("nice", 1.8), ("fun", 2.3), ("funny", 1.9), ("happy", 2.7), ("glad", 2.0),
    ("enjoy", 2.2), ("enjoyed", 2.3), ("enjoyable", 1.9), ("brilliant", 2.8), ("perfect", 2.7),
    ("thanks", 1.9), ("thank", 1.5), ("cool", 1.3), ("charming", 2.0), ("moving", 1.4),
    ("powerful", 1.6), ("win", 2.5), ("lol", 1.8), ("haha", 2.0), ("yay", 2.4), ("wow", 1.8),
    ("bad", -2.5), ("terrible", -2.9), ("awful", -2.9), ("worst", -3.1), ("hate", -3.0),
    ("hated", -3.0), ("boring", -1.9), ("dull", -1.7), ("stupid", -2.4), ("sad", -2.1),
    ("angry", -2.3), ("poor", -2.0), ("mess", -1.7), ("waste", -2.0), ("horrible", -2.9),
    ("disappointing", -2.2), ("disappointed", -2.1), ("annoying", -2.0), ("ugly", -2.3),
    ("sorry", -0.9), ("fail", -2.1), ("failed", -2.1), ("fails", -2.0), ("lame", -1.8),
    ("pointless", -1.9), ("tedious", -1.9), ("sucks", -2.4), ("crap", -2.4), ("shit", -2.6),
    ("fuck", -2.5), ("wtf", -2.0), ("ugh", -1.8), ("cry", -1.6), ("upset", -1.9),
    ("lost", -1.3), ("sick", -1.8), ("tired", -1.5), ("problem", -1.5), ("wrong", -2.1),
    ("kill", -3.2), ("dead", -3.0), ("fear", -2.2), ("worried", -1.9), ("unfortunately", -1.6),
    (":)", 2.0), (":-)", 2.0), (":d", 2.3), (":-d", 2.3), (";)", 1.8), (";-)", 1.8),
    ("=)", 1.9), ("xd", 2.0), ("^^", 2.0), ("^_^", 2.0), ("<3", 2.5), (":p", 1.4), (":3", 1.6),
    (":(", -1.9), (":-(", -1.9), (":'(", -2.2), ("=(", -1.8), (":/", -1.2), ("-_-", -1.3),
    ("t_t", -2.0), ("t.t", -2.0), ("</3", -2.5), (">_<", -1.0),
    ("ㅋㅋ", 1.5), ("ㅎㅎ", 1.5), ("ㅠㅠ", -1.5),
    ("😊", 2.5), ("😀", 2.4), ("😃", 2.4), ("😄", 2.6), ("😁", 2.4), ("😂", 1.8), ("🤣", 1.8),
    ("😍", 3.0), ("🥰", 3.0), ("❤", 2.8), ("♥", 2.5), ("👍", 2.0), ("🎉", 2.4), ("✨", 1.2),
    ("🙂", 1.5), ("😆", 2.2), ("💕", 2.6), ("🔥", 1.0),
    ("😞", -2.2), ("😢", -2.3), ("😭", -2.0), ("😡", -2.8), ("😠", -2.6), ("💔", -2.6),
    ("👎", -2.0), ("😒", -1.8), ("😩", -2.0), ("🙁", -1.6), ("☹", -1.8), ("😔", -1.9),
    // Chat words (issue 16; valences on VADER's scale, from its list where it has the word).
    ("congrats", 2.8), ("congratulations", 2.9), ("thx", 1.9), ("tysm", 2.3), ("proud", 2.1),
    ("excited", 2.4), ("exciting", 2.2), ("relieved", 1.7), ("phew", 1.0), ("thankful", 2.2),
    ("grateful", 2.3), ("cute", 2.0), ("adorable", 2.2), ("delicious", 2.7), ("yum", 1.8),
    ("yummy", 2.1), ("hehe", 1.6), ("hahaha", 2.0), ("lmao", 1.9), ("lmfao", 1.9), ("rofl", 1.9),
    ("exhausted", -2.0), ("nervous", -1.5), ("anxious", -1.7), ("scared", -1.9), ("terrified", -2.4),
    ("stressed", -2.0), ("stressful", -1.9), ("lonely", -2.0), ("hurts", -2.0), ("hurt", -2.1),
    ("annoyed", -2.0), ("frustrated", -2.2), ("frustrating", -2.1), ("sigh", -1.3), ("smh", -1.5),
    ("homesick", -1.8), ("miserable", -2.6), ("depressed", -2.5), ("bored", -1.6), ("cringe", -1.8),
    ("worry", -1.5), ("sleepy", -1.0), ("🥳", 2.6), ("🥹", 1.5), ("💪", 1.6), ("🙌", 2.0),
    ("😘", 2.5), ("🤗", 2.2), ("💖", 2.6), ("💙", 2.2), ("💜", 2.2), ("😤", -1.8), ("😓", -1.6),
    ("😥", -1.8), ("😰", -2.0), ("😱", -1.8), ("😫", -2.0), ("🤬", -2.9), ("😖", -1.9),
];

/// Korean stems matched as substrings of an eojeol (no segmentation needed:
/// "재미있었다", "재밌어요" both contain a stem).
const KOREAN_STEMS: &[(&str, f32)] = &[
    ("최고", 3.0), ("재미있", 2.2), ("재밌", 2.2), ("좋", 2.0), ("감동", 2.4), ("사랑", 2.8),
    ("행복", 2.7), ("훌륭", 2.8), ("멋지", 2.3), ("멋있", 2.3), ("대박", 2.4), ("짱", 2.4),
    ("추천", 1.8), ("기대", 1.0), ("예쁘", 2.0), ("이쁘", 2.0), ("고마", 2.0), ("감사", 2.0),
    ("웃기", 1.5), ("신나", 2.2), ("즐거", 2.3), ("완벽", 2.6), ("명작", 2.8), ("수작", 2.2),
    ("따뜻", 1.8), ("귀엽", 2.2), ("귀여", 2.2), ("기쁘", 2.5), ("기뻐", 2.5), ("괜찮", 1.2),
    ("최악", -3.2), ("재미없", -2.4), ("재미업", -2.4), ("노잼", -2.6), ("별로", -1.6),
    ("지루", -2.0), ("실망", -2.3), ("쓰레기", -3.0), ("아깝", -2.2), ("아까운", -2.2),
    ("짜증", -2.5), ("싫", -2.3), ("슬프", -2.0), ("슬퍼", -2.0), ("화나", -2.3), ("화가", -2.0),
    ("망했", -2.5), ("망작", -2.8), ("졸작", -2.8), ("유치", -1.6), ("억지", -1.8),
    ("후회", -2.0), ("엉망", -2.4), ("못하", -1.0), ("나쁘", -2.3), ("나빠", -2.3),
    ("힘들", -1.6), ("우울", -2.2), ("불편", -1.6), ("아쉽", -1.2), ("아쉬", -1.2), ("개판", -2.8),
    // Chat words (issue 16): thanks, congratulations, relief, tiredness, worry, hurt feelings.
    ("축하", 2.6), ("다행", 2.0), ("맛있", 2.2), ("맛잇", 2.2), ("존맛", 2.6), ("설레", 2.2),
    ("뿌듯", 2.4), ("응원", 2.0), ("화이팅", 2.0), ("파이팅", 2.0), ("힘내", 1.8), ("개꿀", 2.2),
    ("꿀잼", 2.5), ("띵곡", 2.5), ("레전드", 2.0), ("반가", 2.0), ("합격", 2.2), ("웃겨", 1.5),
    ("덕분", 1.6), ("고맙", 2.0), ("좋아해", 2.6),
    ("섭섭", -2.0), ("서운", -2.0), ("속상", -2.2), ("피곤", -1.8), ("졸려", -1.4), ("졸리", -1.4),
    ("심심", -1.2), ("걱정", -1.6), ("무섭", -2.0), ("무서", -2.0), ("떨려", -1.2), ("긴장", -1.4),
    ("불안", -2.0), ("아파", -2.0), ("아프", -2.0), ("힘드", -1.6), ("지쳤", -2.0), ("지쳐", -2.0),
    ("귀찮", -1.8), ("킹받", -2.5), ("빡치", -2.6), ("빡쳐", -2.6), ("열받", -2.4), ("망쳤", -2.5),
    ("망함", -2.5), ("어떡해", -1.5), ("어떡하", -1.5), ("외롭", -2.2), ("외로", -2.2),
    ("답답", -2.0), ("억울", -2.2), ("눈물", -1.5),
];

const INTENSIFIERS: &[&str] = &[
    "very", "really", "so", "extremely", "too", "totally", "truly", "incredibly", "absolutely",
    "정말", "진짜", "너무", "완전", "엄청", "존나", "개", "매우", "아주", "진심",
];

const NEGATORS: &[&str] = &[
    "not", "no", "never", "n't", "nothing", "without", "cannot", "dont", "didnt", "doesnt",
    "isnt", "wasnt", "cant", "wont", "안", "못",
];

/// Korean endings that negate the eojeol they end ("좋지 않다" is two eojeol:
/// the second starts with 않/없).
const KOREAN_POST_NEGATORS: &[&str] = &["않", "없", "아니"];

fn chars_eq(chars: &[char], s: &str) -> bool {
    chars.iter().copied().eq(s.chars())
}

/// Substring test without allocating (runs per token inside feature extraction).
fn contains(chars: &[char], needle: &str) -> bool {
    let len = needle.chars().count();
    len <= chars.len() && chars.windows(len).any(|w| w.iter().copied().eq(needle.chars()))
}

fn starts_with(chars: &[char], prefix: &str) -> bool {
    let len = prefix.chars().count();
    len <= chars.len() && chars[..len].iter().copied().eq(prefix.chars())
}

/// "very", "너무", ...: words that strengthen the next cue but carry no mood.
pub fn is_intensifier(chars: &[char]) -> bool {
    INTENSIFIERS.iter().any(|w| chars_eq(chars, w))
}

pub(crate) fn is_negator(chars: &[char]) -> bool {
    NEGATORS.iter().any(|n| chars_eq(chars, n)) || chars.ends_with(&['n', '\'', 't'])
}

/// Prior valence of one normalised token (0 when the lexicon does not know
/// it). Korean in-word negation ("좋지마", "재미있지 않") is already applied.
/// Also used by the feature extractor as a prior cue that generalises beyond
/// the training domains (e.g. ㅠㅠ is praise in a movie review, sadness in chat).
pub fn valence(chars: &[char]) -> f32 {
    if let Some(&(_, v)) = EXACT.iter().find(|(w, _)| chars_eq(chars, w)) {
        return v;
    }
    if chars.iter().any(|&c| crate::tokenize::is_hangul_syllable(c)) {
        // Longest matching stem wins ("재미없" over "재미있"-free "없").
        let mut best: Option<(usize, f32)> = None;
        for &(stem, v) in KOREAN_STEMS {
            let len = stem.chars().count();
            if contains(chars, stem) && best.is_none_or(|(l, _)| len > l) {
                best = Some((len, v));
            }
        }
        if let Some((_, v)) = best {
            let negated_inside = chars.ends_with(&['지', '마']) || contains(chars, "않") || contains(chars, "못했");
            return if negated_inside && v > 0.0 { -0.74 * v } else { v };
        }
    }
    0.0
}

/// VADER-style compound score in [-1, 1].
pub fn compound(text: &str) -> f32 {
    let mut norm = Vec::new();
    let mut tokens: Vec<Token> = Vec::new();
    normalize_into(text, &mut norm);
    tokenize_into(&norm, &mut tokens);
    let words: Vec<&[char]> = tokens.iter().map(|t| t.chars(&norm)).collect();
    let mut sum = 0.0f32;
    for i in 0..tokens.len() {
        let mut v = valence(words[i]);
        if v == 0.0 {
            continue;
        }
        // Look back up to three tokens for negators / intensifiers (VADER's window).
        for back in 1..=3.min(i) {
            let prev = words[i - back];
            if tokens[i - back].kind == TokenKind::Punct {
                break;
            }
            if is_negator(prev) {
                v *= -0.74;
            } else if back == 1 && INTENSIFIERS.iter().any(|w| chars_eq(prev, w)) {
                v *= 1.3;
            }
        }
        // Korean: "좋지 않다", "재미 없다" -> the next eojeol negates this one.
        if let Some(next) = words.get(i + 1) {
            if KOREAN_POST_NEGATORS.iter().any(|n| starts_with(next, n)) {
                v *= -0.74;
            }
        }
        sum += v;
    }
    let exclamations = norm.iter().filter(|&&c| c == '!').count().min(3) as f32;
    if sum != 0.0 {
        sum += sum.signum() * 0.29 * exclamations;
    }
    sum / (sum * sum + 15.0).sqrt()
}

/// Every lexicon entry (English words, emoticons, emoji, jamo runs, Korean
/// stems) with its valence; the trainer uses them as tiny labelled messages.
pub fn entries() -> impl Iterator<Item = (&'static str, f32)> {
    EXACT.iter().chain(KOREAN_STEMS).copied()
}

/// Neutral band used by VADER for its compound score.
pub const NEUTRAL_BAND: f32 = 0.05;

/// Lexicon prediction in the same shape as the model's: the compound score is
/// mapped to pseudo-probabilities (softmax of [-4c, 4(band - |c|), 4c]) so that the
/// neutral band decides the label and P(pos) vs P(neg) decides binary tasks.
pub fn predict(text: &str) -> Prediction {
    let c = compound(text);
    let probs = softmax3([-4.0 * c, 4.0 * (NEUTRAL_BAND - c.abs()), 4.0 * c]);
    let label = if c >= NEUTRAL_BAND {
        Label::Positive
    } else if c <= -NEUTRAL_BAND {
        Label::Negative
    } else {
        Label::Neutral
    };
    Prediction { label, score: probs[label.index()], probs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obvious_cases() {
        assert_eq!(predict("I love this").label, Label::Positive);
        assert_eq!(predict("this is terrible").label, Label::Negative);
        assert_eq!(predict("not good").label, Label::Negative);
        assert_eq!(predict("The meeting is at 3pm").label, Label::Neutral);
        assert_eq!(predict("정말 최고의 영화였어요 ㅋㅋ").label, Label::Positive);
        assert_eq!(predict("최악이다 ㅠㅠ").label, Label::Negative);
        assert_eq!(predict("재미없어요").label, Label::Negative);
        assert_eq!(predict("좋지 않다").label, Label::Negative);
        assert_eq!(predict("안 좋아").label, Label::Negative);
    }

    #[test]
    fn compound_is_bounded_and_intensified() {
        let c = compound("great great great great great great!!!");
        assert!(c > 0.9 && c < 1.0);
        assert!(compound("really good") > compound("good"));
    }
}
