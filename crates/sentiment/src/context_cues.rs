//! Message-level combinations of lexicon cues (feature scheme 4, issue 16).
//!
//! One cue alone cannot say what the chat guideline (`data/chat/GUIDELINE.md`)
//! decides from the cues *together*:
//! - rule 15: ㅠㅠ / 😭 with words of thanks, delight or cuteness is positive
//!   ("너무 귀여워 ㅠㅠ"), without them it is sadness;
//! - rule 14: a laughing marker never outweighs a feeling word ("망했다 ㅋㅋ"
//!   is negative), alone it is a friendly tone;
//! - rule 20: after a contrast ("but", 근데, -지만) the second part wins, and
//!   without one the feeling the message ends on wins;
//! - rule 8: a question without any feeling word is a plain question.
//!
//! So the extractor reports every token's cue here, and this module adds one
//! hashed feature per combination that holds. The weights learn what each
//! combination means; the review corpora agree with chat on them (a review
//! with ㅠㅠ and 감동 is praise, one with ㅋㅋ and 최악 is not).

use crate::hash::avalanche;
use crate::tokenize::TokenKind;

const NS_CONTEXT: u64 = 0x17;
/// Each combination feature is emitted this many times: the model divides
/// the summed weights by sqrt(#features), so in a message with a hundred
/// character n-grams one feature would barely count, and the int8 clipping
/// keeps a single weight from growing large enough to make up for it.
const REPEAT: usize = 3;

/// Cue summary of one message, filled token by token.
#[derive(Default, Debug, Clone, Copy)]
pub struct ContextCues {
    positive_words: bool,
    negative_words: bool,
    laugh: bool,
    tears: bool,
    /// A contrast marker was seen; `after_contrast` sums the word cues after the last one.
    contrast: bool,
    after_contrast: f32,
    /// Sign of the last word cue (rule 20d).
    last_word_cue: f32,
    question: bool,
}

fn eq(chars: &[char], s: &str) -> bool {
    chars.len() == s.chars().count() && chars.iter().copied().eq(s.chars())
}

fn is_laugh(chars: &[char]) -> bool {
    ["ㅋㅋ", "ㅎㅎ", "ㅋ", "ㅎ", "lol", "haha", "hahaha", "hehe", "lmao", "lmfao", "😂", "🤣", "xd"]
        .iter()
        .any(|w| eq(chars, w))
}

fn is_tears(chars: &[char]) -> bool {
    ["ㅠㅠ", "ㅠ", "😭", "😢", "🥲", "t_t", "t.t", ":'("].iter().any(|w| eq(chars, w))
}

/// "but", 근데, 그래도, and eojeol ending in -지만 (the part before the contrast ends with this word).
fn is_contrast(chars: &[char]) -> bool {
    const WORDS: &[&str] = &["but", "though", "although", "however", "still", "anyway", "근데", "그런데", "그래도", "하지만", "그치만"];
    WORDS.iter().any(|w| eq(chars, w)) || (chars.len() > 2 && chars.ends_with(&['지', '만']))
}

impl ContextCues {
    pub fn clear(&mut self) {
        *self = ContextCues::default();
    }

    /// One token with its cue valence (after negation; 0 = no cue).
    pub fn observe(&mut self, chars: &[char], kind: TokenKind, valence: f32) {
        if kind == TokenKind::Punct && chars.contains(&'?') {
            self.question = true;
        }
        if is_laugh(chars) {
            self.laugh = true;
        } else if is_tears(chars) {
            self.tears = true;
        } else if valence != 0.0 && kind == TokenKind::Word {
            if valence > 0.0 {
                self.positive_words = true;
            } else {
                self.negative_words = true;
            }
            self.after_contrast += valence;
            self.last_word_cue = valence;
        }
        if kind == TokenKind::Word && is_contrast(chars) {
            self.contrast = true;
            self.after_contrast = 0.0;
        }
    }

    /// The combination features that hold, as 32-bit hashes. Lexicon-only
    /// messages (see `features`) get their own copies: like their other
    /// features, these must learn the chat meaning, not the reviews'.
    pub fn push_features(&self, out: &mut Vec<u32>, lexicon_only: bool) {
        let mut push = |id: u64| {
            let h = avalanche(NS_CONTEXT ^ (id << 8) ^ ((lexicon_only as u64) << 40)) as u32;
            out.extend(std::iter::repeat_n(h, REPEAT));
        };
        let words = self.positive_words || self.negative_words;
        let sign = |v: f32| if v > 0.0 { 1 } else if v < 0.0 { 2 } else { 0 };
        if self.tears {
            push(if self.negative_words { 1 } else if self.positive_words { 2 } else { 3 });
        }
        if self.laugh {
            push(if self.negative_words { 4 } else if self.positive_words { 5 } else { 6 });
        }
        if self.contrast {
            push(10 + sign(self.after_contrast));
        }
        if self.positive_words && self.negative_words {
            push(20 + sign(self.last_word_cue));
        }
        if self.question && !words {
            push(30);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cues(tokens: &[(&str, TokenKind, f32)]) -> Vec<u32> {
        let mut c = ContextCues::default();
        for &(t, kind, v) in tokens {
            c.observe(&t.chars().collect::<Vec<_>>(), kind, v);
        }
        let mut out = Vec::new();
        c.push_features(&mut out, false);
        out
    }

    use TokenKind::*;

    #[test]
    fn tears_with_a_warm_word_differ_from_tears_alone() {
        let warm = cues(&[("너무", Word, 0.0), ("귀여워", Word, 2.2), ("ㅠㅠ", Jamo, -1.5)]);
        let sad = cues(&[("혼자", Word, 0.0), ("ㅠㅠ", Jamo, -1.5)]);
        let sadder = cues(&[("슬퍼", Word, -2.0), ("ㅠㅠ", Jamo, -1.5)]);
        assert_eq!(warm.len(), REPEAT);
        assert!(warm != sad && sad != sadder && warm != sadder);
    }

    #[test]
    fn laughter_with_a_bad_word_is_its_own_feature() {
        let bad = cues(&[("망했다", Word, -2.5), ("ㅋㅋ", Jamo, 1.5)]);
        let plain = cues(&[("버스", Word, 0.0), ("놓침", Word, 0.0), ("ㅋㅋ", Jamo, 1.5)]);
        assert_ne!(bad, plain);
    }

    #[test]
    fn the_part_after_a_contrast_is_reported() {
        let pos = cues(&[("힘들었지만", Word, -1.6), ("재밌었다", Word, 2.2)]);
        let neg = cues(&[("tasty", Word, 0.0), ("but", Word, 0.0), ("awful", Word, -2.9)]);
        assert!(pos.len() == 2 * REPEAT && neg.len() == REPEAT, "{pos:?} {neg:?}");
        assert_ne!(pos[0], neg[0], "after-contrast sign differs");
        // Mixed feelings without a contrast: the last cue decides.
        let ends_bad = cues(&[("좋았어", Word, 2.0), ("슬프다", Word, -2.0)]);
        let ends_good = cues(&[("짜증났는데", Word, -2.5), ("고마워", Word, 2.0)]);
        assert_ne!(ends_bad, ends_good);
    }

    #[test]
    fn plain_questions_and_plain_statements() {
        assert_eq!(cues(&[("몇", Word, 0.0), ("시", Word, 0.0), ("?", Punct, 0.0)]).len(), REPEAT);
        assert!(cues(&[("meeting", Word, 0.0), ("at", Word, 0.0), ("3", Word, 0.0)]).is_empty());
        assert!(cues(&[("좋아", Word, 2.0), ("?", Punct, 0.0)]).is_empty());
    }
}
