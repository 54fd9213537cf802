//! The sign-in pages in a real browser: the password policy hints follow the
//! typing, the route guards send guests to sign in and back to the page they
//! asked for, and failures are announced in the user's language.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use moodchat_web::app::Shell;
use moodchat_web::components::password_hints::PasswordHints;
use moodchat_web::i18n::{provide_i18n, Locale};
use support::{clear_session, current_path, data_url, fresh_container, go_to, query, store_session, wait_for, wait_for_text};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlFormElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn english() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("moodchat.locale", "en").unwrap();
}

/// A configuration whose identity provider cannot be reached.
fn unreachable_provider() -> String {
    data_url(
        r#"{"api_url":"/api","ws_url":"/api/ws","transport":"auto",
        "cognito":{"region":"local","user_pool_id":"local_moodchat","client_id":"web","endpoint":"http://127.0.0.1:9/"}}"#,
    )
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

/// Types into an input the way a user does (the field listens to `input`).
fn type_into(root: &Element, selector: &str, text: &str) {
    let input: HtmlInputElement = query(root, selector).unwrap().unchecked_into();
    input.set_value(text);
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
}

fn submit(root: &Element) {
    let form: HtmlFormElement = query(root, "form.auth-form").unwrap().unchecked_into();
    form.request_submit().unwrap();
}

#[wasm_bindgen_test]
async fn password_hints_follow_the_typing_in_either_language() {
    english();
    let container = fresh_container();
    let password = RwSignal::new(String::new());
    let locale = RwSignal::new(Locale::En);
    let _handle = leptos::mount::mount_to(container.clone(), move || {
        locale.set(provide_i18n().locale.get_untracked());
        let i18n = moodchat_web::i18n::use_i18n();
        Effect::new(move |_| i18n.locale.set(locale.get()));
        view! { <PasswordHints password /> }
    });
    let root: &Element = &container;
    wait_for("five rules", || (count(root, ".rule") == 5).then_some(())).await;
    assert_eq!(count(root, ".rule.unmet"), 5);
    assert!(root.text_content().unwrap().contains("at least 8 characters"));

    password.set("abc".into());
    wait_for("lowercase met", || (count(root, ".rule.met") == 1).then_some(())).await;
    password.set("abcdefgH1".into());
    wait_for("four rules met", || (count(root, ".rule.met") == 4).then_some(())).await;
    assert!(root.text_content().unwrap().contains("(missing)"), "the symbol rule says it is missing");
    password.set("abcdefgH1!".into());
    wait_for("every rule met", || (count(root, ".rule.unmet") == 0).then_some(())).await;

    locale.set(Locale::Ko);
    wait_for_text(root, ".password-hints", "8자 이상").await;
    assert!(root.text_content().unwrap().contains("(충족)"));
}

#[wasm_bindgen_test]
async fn a_guest_is_sent_to_sign_in_and_comes_back_to_the_room_afterwards() {
    english();
    clear_session();
    go_to("/rooms/lobby");
    let container = fresh_container();
    let handle = leptos::mount::mount_to(container.clone(), || view! { <Shell config_url=unreachable_provider() /> });
    wait_for_text(&container, ".page-sign-in h1", "Sign in").await;
    wait_for("the /signin path", || (current_path() == "/signin").then_some(())).await;
    assert!(query(&container, ".page-room").is_none());
    // The header's tools come after the page's first screen (src/split.rs).
    let sign_in_link = wait_for("the sign-in link", || query(&container, ".app-header .sign-in-link")).await;
    assert!(!sign_in_link.has_attribute("hidden"), "a guest sees a sign-in link");
    assert!(query(&container, ".app-header .sign-out").unwrap().has_attribute("hidden"));
    // Labels name their inputs; password managers know what to fill in.
    let password = query(&container, "#password").unwrap();
    assert_eq!(password.get_attribute("autocomplete").as_deref(), Some("current-password"));
    assert!(query(&container, "label[for=password]").is_some());
    assert_eq!(query(&container, "#email").unwrap().get_attribute("autocomplete").as_deref(), Some("username"));
    drop(handle);

    // Signed in (as a sign-in would leave it), the sign-in page moves on to the room.
    store_session("Minji");
    let container = fresh_container();
    let _handle = leptos::mount::mount_to(container.clone(), || view! { <Shell config_url=unreachable_provider() /> });
    wait_for("the room", || (current_path() == "/rooms/lobby").then_some(())).await;
    wait_for("the room's page", || query(&container, ".page-room #room-title")).await;
    // (No server here: the room's history then fails, and the header's
    // tools come after that first screen.)
    wait_for_text(&container, ".app-header .user-name", "Minji").await;
}

#[wasm_bindgen_test]
async fn signing_out_forgets_the_session_and_returns_to_sign_in() {
    english();
    store_session("Jun");
    moodchat_web::drafts::save("lobby", "half a thought");
    go_to("/rooms");
    let container = fresh_container();
    let _handle = leptos::mount::mount_to(container.clone(), || view! { <Shell config_url=unreachable_provider() /> });
    wait_for_text(&container, ".app-header .user-name", "Jun").await;
    let sign_out: web_sys::HtmlElement = query(&container, ".app-header .sign-out").unwrap().unchecked_into();
    sign_out.click();
    wait_for("the /signin path", || (current_path() == "/signin").then_some(())).await;
    wait_for_text(&container, ".page-sign-in h1", "Sign in").await;
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    assert_eq!(storage.get_item("moodchat.session.id_token").unwrap(), None);
    assert_eq!(storage.get_item("moodchat.return_to").unwrap(), None, "a chosen sign-out remembers no page");
    assert_eq!(moodchat_web::drafts::load("lobby"), "", "drafts go with an explicit sign-out");
}

#[wasm_bindgen_test]
async fn an_unreachable_provider_is_announced_and_translated() {
    english();
    clear_session();
    go_to("/forgot-password");
    let container = fresh_container();
    let _handle = leptos::mount::mount_to(container.clone(), || view! { <Shell config_url=unreachable_provider() /> });
    wait_for_text(&container, ".page-forgot-password h1", "Reset your password").await;
    type_into(&container, "#email", "someone@example.com");
    submit(&container);
    let alert = wait_for_text(&container, ".form-error", "could not be reached").await;
    assert_eq!(alert.get_attribute("role").as_deref(), Some("alert"));

    let language: web_sys::HtmlSelectElement = query(&container, ".language-switch").unwrap().unchecked_into();
    language.set_value("ko");
    language.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    wait_for_text(&container, ".form-error", "로그인 서비스에 연결할 수 없습니다").await;
    english();
}

#[wasm_bindgen_test]
async fn a_sign_in_worker_that_cannot_load_is_an_error_not_a_hang() {
    english();
    clear_session();
    go_to("/signin");
    let container = fresh_container();
    let _handle = leptos::mount::mount_to(container.clone(), || view! { <Shell config_url=unreachable_provider() /> });
    wait_for_text(&container, ".page-sign-in h1", "Sign in").await;
    // The test server has no SRP worker: the worker fails to load.
    type_into(&container, "#email", "someone@example.com");
    type_into(&container, "#password", "Passw0rd!x");
    submit(&container);
    let alert = wait_for_text(&container, ".form-error", "Something went wrong").await;
    assert!(alert.text_content().unwrap().contains("sign-in worker"), "{}", alert.text_content().unwrap());
    // The form is usable again.
    let button = query(&container, ".auth-form button[type=submit]").unwrap();
    wait_for("the button enabled", || (!button.has_attribute("disabled")).then_some(())).await;
}
