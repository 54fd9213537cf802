//! The mood of a message as an emoji, and the hook for the live preview of
//! the mood of what is being typed.

use leptos::prelude::*;
use moodchat_protocol::Sentiment;

use crate::i18n::{use_i18n, Texts};

/// The emoji of a mood label (the sentiment crate's positive/neutral/negative).
pub fn emoji(label: &str) -> &'static str {
    match label {
        "positive" => "😊",
        "negative" => "😞",
        _ => "😐",
    }
}

/// The translated name of a mood label.
pub fn label_text(label: &str, t: &Texts) -> &'static str {
    match label {
        "positive" => t.chat_mood_positive,
        "negative" => t.chat_mood_negative,
        _ => t.chat_mood_neutral,
    }
}

/// "positive · 93%": the tooltip and accessible name of a mood emoji.
pub fn describe(sentiment: &Sentiment, t: &Texts) -> String {
    format!("{}: {} · {}%", t.chat_mood, label_text(&sentiment.label, t), (sentiment.score * 100.0).round() as i32)
}

/// A model that rates text on the device, for the live preview while typing.
/// The sentiment model is not in the initial bundle: whoever loads it later
/// provides a `MoodModel` through context and the preview appears.
#[derive(Clone, Copy)]
pub struct MoodModel(pub Callback<String, Option<Sentiment>>);

/// The mood of the composer's text, shown beside it once a model is
/// available (nothing at all until then).
#[component]
pub fn MoodPreview(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let model = use_context::<MoodModel>();
    let i18n = use_i18n();
    move || {
        let model = model?;
        let text = text.get();
        if text.trim().is_empty() {
            return None;
        }
        // `try_run`: when the room changes, this preview can re-run once more
        // after its composer (which owns the model) is gone; `run` would
        // panic on the disposed callback, and a panic in wasm breaks the
        // page's task queue for good.
        let sentiment = model.0.try_run(text).flatten()?;
        let description = describe(&sentiment, i18n.t());
        Some(view! {
            <span class="mood-preview" role="img" title=description.clone() aria-label=description>
                {emoji(&sentiment.label)}
            </span>
        })
    }
}
