//! What the sign-in pages share: passing the email address along in the URL
//! (so a reload or a link keeps it) and moving between the pages.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

/// `/confirm?email=a%40b.c` (plus `&notice=...` when given).
pub fn with_email(path: &str, email: &str, notice: Option<&str>) -> String {
    let mut url = [path, "?email=", &String::from(js_sys::encode_uri_component(email))].concat();
    if let Some(notice) = notice {
        url.push_str("&notice=");
        url.push_str(notice);
    }
    url
}

/// The address the user typed, as the provider gets it: Cognito usernames
/// are case-sensitive in older pools, and people type their email any way.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

/// The `email` and `notice` of the page's query.
pub fn query_value(name: &'static str) -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|query| query.get(name)))
}

/// Navigates with a history entry (Back returns to the previous form).
pub fn go_to() -> impl Fn(&str) + Clone + 'static {
    let navigate = use_navigate();
    move |path: &str| navigate(path, Default::default())
}
