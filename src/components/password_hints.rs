use leptos::prelude::*;

use moodchat_protocol::password::Rule;
use crate::i18n::{use_i18n, AuthTexts};

/// The id the password input points at with `aria-describedby`.
pub const PASSWORD_HINTS_ID: &str = "password-hints";

fn rule_text(rule: Rule, t: &AuthTexts) -> &'static str {
    match rule {
        Rule::Length => t.rule_length,
        Rule::Lowercase => t.rule_lowercase,
        Rule::Uppercase => t.rule_uppercase,
        Rule::Digit => t.rule_digit,
        Rule::Symbol => t.rule_symbol,
    }
}

/// Cognito's password rules under a new-password field, each marked as met
/// while the user types. The mark is also said in words for screen readers.
#[component]
pub fn PasswordHints(password: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let items = Rule::ALL
        .into_iter()
        .map(|rule| {
            let met = Memo::new(move |_| password.with(|password| rule.is_met(password)));
            view! {
                <li class=move || if met.get() { "rule met" } else { "rule unmet" }>
                    <span class="rule-mark" aria-hidden="true">{move || if met.get() { "✓" } else { "•" }}</span>
                    {move || rule_text(rule, i18n.auth())}
                    <span class="visually-hidden">
                        {move || if met.get() { i18n.auth().rule_met } else { i18n.auth().rule_unmet }}
                    </span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div id=PASSWORD_HINTS_ID class="password-hints">
            <p class="password-hints-title">{move || i18n.auth().password_rules_title}</p>
            <ul>{items}</ul>
        </div>
    }
}
