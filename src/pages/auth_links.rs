//! What the sign-in pages share: the query of the page's URL (read once when
//! a page opens) and moving between the pages.

use leptos_router::hooks::use_navigate;

/// `?email=` and `?notice=` of the current URL. Read straight from
/// `location.search` rather than through the router's reactive query map:
/// the pages only need them when they open, and it is less code.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
}

/// `/signin?email=a%40b.c&notice=confirmed`: the email survives a reload and
/// can be shared in a link.
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

/// Navigates with a history entry (Back returns to the previous form).
pub fn go_to() -> impl Fn(&str) + Clone + 'static {
    let navigate = use_navigate();
    move |path: &str| navigate(path, Default::default())
}

/// The shared email field's signal, first filled from `?email=` if the URL has one.
pub fn email_signal() -> leptos::prelude::RwSignal<String> {
    use leptos::prelude::*;
    let email = crate::auth::use_auth().email;
    if let Some(from_url) = query_param("email") {
        email.set(from_url);
    }
    email
}
