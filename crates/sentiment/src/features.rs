//! Turns a message into hashed feature buckets.
//!
//! Feature namespaces (each hashed with its own seed so they never share a
//! bucket on purpose):
//! - token unigrams (words, eojeol, emoji, emoticons, ㅋㅋ/ㅠㅠ, punctuation);
//!   tokens inside a negation scope use a separate namespace, so "not good"
//!   does not add evidence for "good",
//! - token bigrams (English phrases, Korean eojeol pairs such as "안 좋다"),
//! - character n-grams, n = 1..=5, over the whole normalised text including the
//!   spaces. This is what works for Korean without segmentation: stems and
//!   endings ("재미없", "최고", "ㅋㅋ") show up as substrings. Pure-ASCII
//!   n-grams shorter than 3 are skipped: single Latin letters and letter pairs
//!   carry no sentiment and would only add hash collisions.
//!
//! - lexicon cues: each token the hand-written lexicon (`crate::lexicon`)
//!   knows adds a feature for its sign and strength (flipped inside a negation
//!   scope), and a message without any known word adds a "no cue" feature.
//!   These few features are shared by thousands of words' worth of training
//!   data, so they carry the prior into domains the corpora do not cover
//!   (tweets, chat) and give the neutral table a direct "nothing emotional
//!   here" signal.
//!
//! - lexicon-only messages: a short message (at most
//!   `LEXICON_ONLY_MAX_TOKENS` words) made only of words the lexicon knows,
//!   emoji/emoticons/ㅋㅋ/ㅠㅠ, intensifiers, negators and punctuation ("ㅋㅋ",
//!   "ㅜㅜ 너무 슬퍼요", "😊", "not good") gets none of the features above, only
//!   its lexicon cues and tokens in a namespace of their own. The review
//!   corpora teach the opposite of the chat meaning for exactly these cues
//!   (in NSMC ㅠㅠ and "슬퍼" mean "moving" = praise, and a bare "ㅋㅋㅋ" is
//!   mostly a sarcastic 1-star rating), so these few features are trained
//!   only on data where the cue is the writer's mood (the lexicon entries,
//!   GoEmotions, tweets; see `train::trainer`), with the strong weights that
//!   the lexicon examples give them.
//!
//! - (scheme 4) context cues: combinations of the cues of one message
//!   (ㅠㅠ with a word of thanks, ㅋㅋ with a bad word, the part after "but" /
//!   근데 / -지만, mixed feelings, a question without a feeling word); see
//!   `crate::context_cues`.
//!
//! The extractor returns feature hashes with repetitions (counts); the model
//! scales the summed weights by 1/sqrt(count) so long and short messages live
//! on the same scale.

use crate::context_cues::ContextCues;
use crate::hash::{avalanche, Fnv1a};
use crate::tokenize::{normalize_into, tokenize_into, Token, TokenKind};

/// Version of the feature scheme; stored in the weights file so that weights
/// trained with a different tokenizer/hashing are rejected instead of silently
/// producing nonsense.
pub const FEATURE_SCHEME_VERSION: u32 = 4;

const NS_UNIGRAM: u64 = 0x11;
const NS_NEGATED: u64 = 0x12;
const NS_BIGRAM: u64 = 0x13;
const NS_CHARGRAM: u64 = 0x14;
const NS_LEXICON: u64 = 0x15;
const NS_LEXICON_ONLY: u64 = 0x16;

const MAX_CHAR_NGRAM: usize = 5;
/// Words after an English negator that are marked as negated (unless a
/// punctuation mark or "but" ends the clause first).
const NEGATION_SCOPE_WORDS: usize = 4;
/// Longest message (in non-punctuation tokens) that can be lexicon-only.
pub const LEXICON_ONLY_MAX_TOKENS: usize = 4;

/// Reusable buffers so that repeated extraction does not allocate.
#[derive(Default, Debug)]
pub struct FeatureExtractor {
    normalized: Vec<char>,
    tokens: Vec<Token>,
    token_hashes: Vec<u64>,
    lexicon_only: bool,
    context: ContextCues,
}

impl FeatureExtractor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Clears `out` and fills it with 32-bit feature hashes; the model maps
    /// them to buckets of each of its tables by masking the low bits.
    pub fn extract(&mut self, text: &str, out: &mut Vec<u32>) {
        out.clear();
        let bucket = |h: u64| h as u32;
        normalize_into(text, &mut self.normalized);
        tokenize_into(&self.normalized, &mut self.tokens);
        let text = &self.normalized;
        self.lexicon_only = is_lexicon_only(text, &self.tokens);
        if self.lexicon_only {
            extract_lexicon_only(text, &self.tokens, out);
            return;
        }

        // Token unigrams with negation scopes.
        self.token_hashes.clear();
        let mut negated_left = 0usize;
        let mut lexicon_hits = 0usize;
        self.context.clear();
        for tok in &self.tokens {
            let chars = tok.chars(text);
            let mut h = Fnv1a::with_seed(0);
            for &c in chars {
                h.char(c);
            }
            let token_hash = h.finish();
            self.token_hashes.push(token_hash);

            let ns = if negated_left > 0 && tok.kind == TokenKind::Word { NS_NEGATED } else { NS_UNIGRAM };
            out.push(bucket(avalanche(token_hash ^ ns)));
            let valence = crate::lexicon::valence(chars);
            let negated = ns == NS_NEGATED;
            if let Some(cue) = cue_hash(valence, negated) {
                out.push(bucket(cue));
                lexicon_hits += 1;
            }
            self.context.observe(chars, tok.kind, if negated { -valence } else { valence });

            if tok.kind == TokenKind::Punct || is_clause_break(chars) {
                negated_left = 0;
            } else if is_english_negator(chars) {
                negated_left = NEGATION_SCOPE_WORDS;
            } else if is_korean_pre_negator(chars) {
                // "안 좋아", "못 봤다": the negation applies to the next eojeol.
                negated_left = 1;
            } else if tok.kind == TokenKind::Word && negated_left > 0 {
                negated_left -= 1;
            }
        }

        if lexicon_hits == 0 && !self.tokens.is_empty() {
            out.push(bucket(avalanche(NS_LEXICON)));
        }
        // Scheme 4: combinations of cues (ㅠㅠ with thanks, ㅋㅋ with a bad word, contrast, ...).
        self.context.push_features(out, false);

        // Token bigrams.
        for pair in self.token_hashes.windows(2) {
            let h = avalanche(pair[0].wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ pair[1] ^ NS_BIGRAM);
            out.push(bucket(h));
        }

        // Character n-grams over the normalised text (spaces included).
        for start in 0..text.len() {
            let mut h = Fnv1a::with_seed(NS_CHARGRAM);
            let mut all_ascii = true;
            for n in 1..=MAX_CHAR_NGRAM {
                let Some(&c) = text.get(start + n - 1) else { break };
                if n > 1 && c == ' ' && text[start + n - 2] == ' ' {
                    break;
                }
                h.char(c);
                all_ascii &= c.is_ascii();
                if c == ' ' && n == 1 {
                    // A lone space is not a feature; longer grams may start with one.
                    continue;
                }
                if all_ascii && n < 3 {
                    continue;
                }
                out.push(bucket(h.finish() ^ n as u64));
            }
        }
    }
}

impl FeatureExtractor {
    /// Whether the last extracted message took the lexicon-only path.
    pub fn last_was_lexicon_only(&self) -> bool {
        self.lexicon_only
    }
}

/// A short message with at least one lexicon cue and nothing but cues,
/// intensifiers, negators and punctuation.
fn is_lexicon_only(text: &[char], tokens: &[Token]) -> bool {
    let mut words = 0;
    let mut cues = 0;
    for tok in tokens {
        if tok.kind == TokenKind::Punct {
            continue;
        }
        words += 1;
        let chars = tok.chars(text);
        if crate::lexicon::valence(chars) != 0.0 {
            cues += 1;
        } else if !(crate::lexicon::is_intensifier(chars)
            || is_english_negator(chars)
            || is_korean_pre_negator(chars))
        {
            return false;
        }
    }
    cues > 0 && words <= LEXICON_ONLY_MAX_TOKENS
}

/// Features of a lexicon-only message: per cue token, its cue (sign and
/// strength, flipped after a negator) and the token itself, both in their
/// own namespace.
fn extract_lexicon_only(text: &[char], tokens: &[Token], out: &mut Vec<u32>) {
    let mut negated = false;
    let mut context = ContextCues::default();
    for (i, tok) in tokens.iter().enumerate() {
        let chars = tok.chars(text);
        let is_negator = is_english_negator(chars) || is_korean_pre_negator(chars);
        // A negator negates the next word; a trailing one ("별로" alone = "meh")
        // is a cue in its own right.
        if is_negator && tokens[i + 1..].iter().any(|t| t.kind != TokenKind::Punct) {
            negated = true;
            continue;
        }
        // As in the main path, negation flips words, not emoji/emoticons/ㅠㅠ:
        // "no :(" is still sad.
        let flip = negated && tok.kind == TokenKind::Word;
        let valence = crate::lexicon::valence(chars);
        context.observe(chars, tok.kind, if flip { -valence } else { valence });
        let Some(cue) = cue_hash(valence, flip) else { continue };
        out.push(avalanche(cue ^ NS_LEXICON_ONLY) as u32);
        let mut h = Fnv1a::with_seed(NS_LEXICON_ONLY);
        for &c in chars {
            h.char(c);
        }
        out.push(avalanche(h.finish() ^ flip as u64) as u32);
        negated = false;
    }
    // "맛있어 ㅠㅠ", "힘내 ㅠㅠ": the combination decides (rule 15).
    context.push_features(out, true);
}

/// Hash of the lexicon cue of one token from its prior valence `v`: sign and
/// strength (1..=3), flipped when negated. None for words the lexicon does not know (v = 0).
fn cue_hash(v: f32, negated: bool) -> Option<u64> {
    if v == 0.0 {
        return None;
    }
    let positive = (v > 0.0) != negated;
    let strength = if v.abs() >= 2.5 { 3 } else if v.abs() >= 1.5 { 2 } else { 1 };
    Some(avalanche(NS_LEXICON ^ ((positive as u64) << 8) ^ (strength << 16)))
}

fn eq(chars: &[char], s: &str) -> bool {
    chars.len() == s.chars().count() && chars.iter().copied().eq(s.chars())
}

fn is_clause_break(chars: &[char]) -> bool {
    eq(chars, "but") || eq(chars, "however") || eq(chars, "although") || eq(chars, "though")
}

fn is_english_negator(chars: &[char]) -> bool {
    const NEGATORS: &[&str] = &[
        "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "cannot", "without",
        "dont", "didnt", "doesnt", "isnt", "wasnt", "arent", "werent", "cant", "wont", "couldnt",
        "shouldnt", "wouldnt", "aint", "hardly",
    ];
    if chars.len() >= 3 && chars.ends_with(&['n', '\'', 't']) {
        return true; // don't, isn't, SST-2's "n't"
    }
    NEGATORS.iter().any(|n| eq(chars, n))
}

fn is_korean_pre_negator(chars: &[char]) -> bool {
    eq(chars, "안") || eq(chars, "못") || eq(chars, "별로")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(text: &str) -> Vec<u32> {
        let mut fx = FeatureExtractor::new();
        let mut out = Vec::new();
        fx.extract(text, &mut out);
        out
    }

    fn unigram_bucket(word: &str, ns: u64) -> u32 {
        let mut h = Fnv1a::with_seed(0);
        for c in word.chars() {
            h.char(c);
        }
        avalanche(h.finish() ^ ns) as u32
    }

    #[test]
    fn english_negation_moves_words_to_negated_namespace() {
        let plain = features("this is good");
        let negated = features("this is not good");
        assert!(plain.contains(&unigram_bucket("good", NS_UNIGRAM)));
        assert!(!negated.contains(&unigram_bucket("good", NS_UNIGRAM)));
        assert!(negated.contains(&unigram_bucket("good", NS_NEGATED)));
        // Punctuation ends the scope.
        let scoped = features("not bad. good plot");
        assert!(scoped.contains(&unigram_bucket("bad", NS_NEGATED)));
        assert!(scoped.contains(&unigram_bucket("good", NS_UNIGRAM)));
        // Contractions negate too.
        assert!(features("it isn't good").contains(&unigram_bucket("good", NS_NEGATED)));
    }

    #[test]
    fn korean_pre_negation_covers_next_eojeol_only() {
        // (Not lexicon-only: "영화" is not a lexicon word.)
        let f = features("안 좋아 영화");
        assert!(f.contains(&unigram_bucket("좋아", NS_NEGATED)));
        assert!(f.contains(&unigram_bucket("영화", NS_UNIGRAM)));
    }

    #[test]
    fn korean_gets_character_ngrams_across_words() {
        // "최고" appears inside "최고의" and "최고다": a shared char bigram.
        let a = features("최고의 영화");
        let b = features("진짜 최고다 이거");
        let shared = a.iter().filter(|x| b.contains(x)).count();
        assert!(shared >= 3, "expected shared n-grams (최, 고, 최고, ' 최고'), got {shared}");
    }

    #[test]
    fn laughter_length_does_not_matter() {
        assert_eq!(features("좋다 ㅋㅋㅋ"), features("좋다 ㅋㅋㅋㅋㅋㅋㅋ"));
        assert_eq!(features("슬퍼 ㅠㅠ"), features("슬퍼 ㅜㅜㅜ"));
        assert_ne!(features("좋다 ㅋㅋ"), features("좋다 ㅠㅠ"));
    }

    #[test]
    fn emoji_is_a_feature() {
        let with = features("ok 😊");
        let without = features("ok");
        assert!(with.len() > without.len());
        assert!(with.contains(&unigram_bucket("😊", NS_UNIGRAM)));
    }

    #[test]
    fn extraction_is_deterministic_and_reuses_buffers() {
        let mut fx = FeatureExtractor::new();
        let mut a = Vec::new();
        fx.extract("Mixed 한국어 and English 😊 :)", &mut a);
        assert!(!a.is_empty());
        let mut b = Vec::new();
        FeatureExtractor::new().extract("first something else", &mut b);
        FeatureExtractor::new().extract("Mixed 한국어 and English 😊 :)", &mut b);
        assert_eq!(a, b);
    }

    fn lexicon_cue(chars: &[char], negated: bool) -> Option<u64> {
        cue_hash(crate::lexicon::valence(chars), negated)
    }

    #[test]
    fn lexicon_cues_follow_sign_and_negation() {
        let good = lexicon_cue(&['g', 'o', 'o', 'd'], false).unwrap();
        // "not good" gives the cue of an equally strong negative word (good 1.9, sad -2.1).
        assert_eq!(lexicon_cue(&['g', 'o', 'o', 'd'], true), lexicon_cue(&['s', 'a', 'd'], false));
        assert_ne!(Some(good), lexicon_cue(&['b', 'a', 'd'], false));
        assert!(features("this is good").contains(&(good as u32)));
        assert!(!features("this is not good").contains(&(good as u32)));
        // A message without any lexicon word gets the "no cue" feature.
        let no_cue = avalanche(NS_LEXICON) as u32;
        assert!(features("the meeting is at 3pm").contains(&no_cue));
        assert!(!features("this is good").contains(&no_cue));
    }

    #[test]
    fn lexicon_only_messages_get_only_their_own_features() {
        let mut fx = FeatureExtractor::new();
        let mut out = Vec::new();
        for text in ["ㅋㅋ", "ㅜㅜ 너무 슬퍼요", "😊😊", "not good!", "안 좋아", ":)"] {
            fx.extract(text, &mut out);
            assert!(fx.last_was_lexicon_only(), "{text}");
            assert!(!out.is_empty());
            assert!(!out.contains(&unigram_bucket("ㅋㅋ", NS_UNIGRAM)));
        }
        // Laughter alone and laughter in a review share no feature.
        let alone = features("ㅋㅋ");
        let review = features("이 영화 뭐냐 ㅋㅋ");
        assert!(alone.iter().all(|f| !review.contains(f)));
        // Negation flips the cue of a word: "안 좋아" has the cue of a negative
        // word, but not the cue of an emoticon ("no :(" is still sad).
        assert_ne!(features("안 좋아")[0], features("좋아")[0]);
        assert_eq!(features("안 좋아")[0], features("싫어")[0]);
        assert_eq!(features("no :(")[0], features(":(")[0]);
        // A trailing negator with a valence of its own is a cue: "별로" = "meh".
        assert!(!features("별로").is_empty());
        for text in ["ㅋㅋ 이 영화 뭐냐", "the meeting is at 3pm", "good good good good good", ""] {
            fx.extract(text, &mut out);
            assert!(!fx.last_was_lexicon_only(), "{text}");
        }
    }

    #[test]
    fn empty_text_has_no_features() {
        assert!(features("").is_empty());
        assert!(features("   ").is_empty());
    }
}
