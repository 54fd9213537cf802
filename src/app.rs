//! The app: shared state (language, theme, connection), the layout, the
//! runtime configuration gate and the routes.

use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use moodchat_protocol::RuntimeConfig;

use crate::components::header::Header;
use crate::config::{self, ConfigError, CONFIG_URL};
use crate::connection::provide_connection;
use crate::i18n::{provide_i18n, use_i18n};
use crate::pages::{ConfigErrorPage, NotFound, Room, Rooms, SignIn};
use crate::theme::provide_theme;

/// The app as trunk mounts it.
#[component]
pub fn App() -> impl IntoView {
    view! { <Shell config_url=CONFIG_URL /> }
}

/// The app with its configuration URL as a parameter, so tests can point it
/// at a working, broken or missing document.
#[component]
pub fn Shell(#[prop(into)] config_url: String) -> impl IntoView {
    let i18n = provide_i18n();
    provide_theme();
    provide_connection();

    let config = LocalResource::new(move || {
        let url = config_url.clone();
        async move { config::load(&url, &config::page_origin()).await }
    });

    view! {
        <Router>
            <a class="skip-link" href="#main">{move || i18n.t().skip_to_content}</a>
            <Header />
            <main id="main" class="app-main" tabindex="-1">
                <Suspense fallback=move || {
                    view! { <p class="loading" role="status">{move || i18n.t().loading}</p> }
                }>
                    {move || Suspend::new(async move {
                        match config.await {
                            Ok(config) => view! { <AppRoutes config /> }.into_any(),
                            Err(error) => view! {
                                <ConfigErrorPage error on_retry=move || config.refetch() />
                            }
                            .into_any(),
                        }
                    })}
                </Suspense>
            </main>
        </Router>
    }
}

/// The routed pages, once the configuration is known.
#[component]
fn AppRoutes(config: RuntimeConfig) -> impl IntoView {
    provide_context(config);
    move_focus_on_navigation();
    view! {
        <Routes fallback=NotFound>
            <Route path=path!("/") view=|| view! { <Redirect path="/rooms" /> } />
            <Route path=path!("/signin") view=SignIn />
            <Route path=path!("/rooms") view=Rooms />
            <Route path=path!("/rooms/:room") view=Room />
        </Routes>
    }
}

/// After a client-side navigation, screen readers and keyboard users start
/// from the new page's content, not from the link they activated.
fn move_focus_on_navigation() {
    let location = use_location();
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|previous| previous != path) {
            if let Some(main) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("main"))
            {
                use wasm_bindgen::JsCast;
                if let Ok(main) = main.dyn_into::<web_sys::HtmlElement>() {
                    let _ = main.focus();
                }
            }
        }
        path
    });
}

/// The runtime configuration, for pages below the gate.
pub fn use_runtime_config() -> RuntimeConfig {
    expect_context::<RuntimeConfig>()
}

/// The translated explanation of a configuration error.
pub fn describe_config_error(error: &ConfigError) -> String {
    let t = use_i18n().t();
    match error {
        ConfigError::Network(_) => t.config_error_network.to_owned(),
        ConfigError::Status(status) => format!("{} (HTTP {status}).", t.config_error_status),
        ConfigError::Invalid(_) => t.config_error_invalid.to_owned(),
    }
}
