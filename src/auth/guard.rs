//! Route guards: the rooms need a session; the sign-in pages are for guests.
//! A guest sent to sign in comes back to the page they asked for.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use super::session::{remember_return_to, take_return_to};
use super::use_auth;

/// The pages only a signed-out visitor sees.
pub const GUEST_PATHS: [&str; 5] = ["/signin", "/signup", "/confirm", "/forgot-password", "/reset-password"];

pub fn is_guest_path(path: &str) -> bool {
    GUEST_PATHS.contains(&path.trim_end_matches('/')) || GUEST_PATHS.contains(&path)
}

/// What a guard decides for a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    Show,
    /// Send the visitor elsewhere (replacing the history entry, so Back does
    /// not bounce them into the guard again).
    RedirectTo(String),
}

/// A page that needs a session: shown when signed in, otherwise the sign-in page.
pub fn members_only(signed_in: bool) -> Access {
    if signed_in { Access::Show } else { Access::RedirectTo("/signin".to_owned()) }
}

/// A sign-in page: shown to guests; a signed-in visitor goes on to `return_to`.
pub fn guests_only(signed_in: bool, return_to: impl FnOnce() -> String) -> Access {
    if signed_in { Access::RedirectTo(return_to()) } else { Access::Show }
}

fn replace_with(path: &str) {
    use_navigate()(path, NavigateOptions { replace: true, ..Default::default() });
}

/// The current path with its query, e.g. `/rooms/lobby?x=1`.
fn current_path() -> String {
    let Some(location) = web_sys::window().map(|window| window.location()) else { return String::new() };
    [location.pathname().unwrap_or_default(), location.search().unwrap_or_default()].concat()
}

/// Shows its children only to a signed-in user; anyone else is sent to sign
/// in, and the page is remembered to come back to.
#[component]
pub fn RequireSession(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    move || match members_only(auth.signed_in.get()) {
        Access::Show => children().into_any(),
        Access::RedirectTo(path) => {
            if !auth.take_signing_out() {
                remember_return_to(&current_path());
            }
            replace_with(&path);
            ().into_any()
        }
    }
}

/// Shows its children only to guests; once signed in (on this page or
/// already), the user goes on to where they were headed.
#[component]
pub fn GuestOnly(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    move || match guests_only(auth.signed_in.get(), take_return_to) {
        Access::Show => children().into_any(),
        Access::RedirectTo(path) => {
            replace_with(&path);
            ().into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn rooms_need_a_session() {
        assert_eq!(members_only(true), Access::Show);
        assert_eq!(members_only(false), Access::RedirectTo("/signin".into()));
    }

    #[test]
    fn signed_in_users_skip_the_sign_in_pages() {
        assert_eq!(guests_only(false, || unreachable!("not consulted for guests")), Access::Show);
        assert_eq!(guests_only(true, || "/rooms/lobby".into()), Access::RedirectTo("/rooms/lobby".into()));
    }

    #[test]
    fn guest_paths_are_recognised_with_or_without_a_trailing_slash() {
        assert!(is_guest_path("/signin") && is_guest_path("/signin/") && is_guest_path("/reset-password"));
        assert!(!is_guest_path("/rooms") && !is_guest_path("/signin-help"));
    }
}
