//! Search results as the app shows them: the hits of `GET /api/search`,
//! and the part of a message's text around what was found.

use moodchat_protocol::Message;
use wasm_bindgen::JsValue;

use crate::chat::wire;

#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub room_name: String,
    pub message: Message,
}

/// A page of results: the hits, and the cursor of the next page.
pub fn parse_results(value: &JsValue) -> (Vec<Hit>, Option<String>) {
    let member = |value: &JsValue, name: &str| js_sys::Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    let hits = js_sys::Array::from(&member(value, "hits"))
        .iter()
        .filter_map(|hit| {
            Some(Hit { room_name: member(&hit, "room_name").as_string().unwrap_or_default(), message: wire::message(&member(&hit, "message"))? })
        })
        .collect();
    (hits, member(value, "before").as_string())
}

/// How many characters of context are kept on each side of the first match.
const CONTEXT_CHARS: usize = 24;

/// A piece of a snippet; `true` for the words searched for.
pub type Piece = (String, bool);

/// The text around the first word found, with an ellipsis where text was
/// cut, split into pieces so every occurrence of a word can be marked.
/// Matching ignores case the way the server does (each word anywhere).
pub fn snippet(text: &str, query: &str) -> Vec<Piece> {
    let chars: Vec<char> = text.chars().collect();
    let folded: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let words: Vec<Vec<char>> = query.split_whitespace().map(|w| w.chars().map(|c| c.to_lowercase().next().unwrap_or(c)).collect()).collect();
    let mut marked = vec![false; chars.len()];
    let mut first = None;
    for word in words.iter().filter(|w| !w.is_empty()) {
        for start in 0..chars.len().saturating_sub(word.len() - 1) {
            if folded[start..start + word.len()] == word[..] {
                marked[start..start + word.len()].iter_mut().for_each(|m| *m = true);
                first = Some(first.map_or(start, |f: usize| f.min(start)));
            }
        }
    }
    let from = first.unwrap_or(0).saturating_sub(CONTEXT_CHARS);
    let to = (first.unwrap_or(0) + CONTEXT_CHARS * 3).min(chars.len());
    let mut pieces: Vec<Piece> = Vec::new();
    if from > 0 {
        pieces.push(("…".into(), false));
    }
    for index in from..to {
        match pieces.last_mut() {
            Some((piece, mark)) if *mark == marked[index] => piece.push(chars[index]),
            _ => pieces.push((chars[index].to_string(), marked[index])),
        }
    }
    if to < chars.len() {
        match pieces.last_mut() {
            Some((piece, false)) => piece.push('…'),
            _ => pieces.push(("…".into(), false)),
        }
    }
    pieces
}
