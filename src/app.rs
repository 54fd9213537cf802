//! The app: shared state (language, theme, connection), the layout, the
//! runtime configuration gate and the routes.

use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Redirect, Route, Router};
use leptos_router::hooks::use_location;
use leptos_router::{path, Lazy, LazyRoute};
use moodchat_protocol::RuntimeConfig;

use crate::auth::guard::{GuestOnly, RequireSession};
use crate::auth::{provide_auth, use_auth};
use crate::components::header::Header;
use crate::config::{self, ConfigError, CONFIG_URL};
use crate::connection::provide_connection;
use crate::i18n::{provide_i18n, tr, use_i18n};
use crate::pages::{ConfigErrorPage, ConfirmSignUp, ForgotPassword, NotFound, ResetPassword, Room, Rooms, SignIn, SignUp};
use crate::split::{first_screen, FirstScreen};
use crate::theme::provide_theme;

/// The app as trunk mounts it.
#[component]
pub fn App() -> impl IntoView {
    view! { <Shell config_url=CONFIG_URL /> }
}

/// Where the app is in loading its runtime configuration.
#[derive(Clone, Debug)]
enum ConfigState {
    Loading,
    Ready(RuntimeConfig),
    Failed(ConfigError),
}

/// The app with its configuration URL as a parameter, so tests can point it
/// at a working, broken or missing document.
///
/// The configuration is fetched with a plain task writing a signal rather
/// than a resource under <Suspense>: the app waits for exactly one document,
/// and leaving out the async-resource machinery keeps the bundle smaller.
#[component]
pub fn Shell(#[prop(into)] config_url: String) -> impl IntoView {
    provide_i18n();
    provide_theme();
    provide_connection();
    provide_auth();
    FirstScreen::provide();

    let state = RwSignal::new(ConfigState::Loading);
    let load = move || {
        let url = config_url.clone();
        state.set(ConfigState::Loading);
        leptos::task::spawn_local(async move {
            state.set(match config::load(&url, &config::page_origin()).await {
                Ok(config) => ConfigState::Ready(config),
                Err(error) => ConfigState::Failed(error),
            });
        });
    };
    load();

    view! {
        <Router>
            <a class="skip-link" href="#main">{tr(|t| t.skip_to_content)}</a>
            <Header />
            <main id="main" class="app-main" tabindex="-1">
                {move || match state.get() {
                    ConfigState::Loading => {
                        view! { <p class="loading" role="status">{tr(|t| t.loading)}</p> }.into_any()
                    }
                    ConfigState::Ready(config) => view! { <AppRoutes config /> }.into_any(),
                    ConfigState::Failed(error) => {
                        let load = load.clone();
                        Suspend::new(config_error_page(error, Callback::new(move |_| load()))).into_any()
                    }
                }}
            </main>
        </Router>
    }
}

/// The routed pages, once the configuration is known.
#[component]
fn AppRoutes(config: RuntimeConfig) -> impl IntoView {
    use_auth().start(config.cognito.clone());
    provide_context(config);
    // One chat client (one WebSocket) for every page of this tab.
    crate::chat::provide_chat();
    move_focus_on_navigation();
    // The sign-in pages are for guests (a signed-in user goes on to the
    // rooms); the rooms need a session (a guest is sent to sign in, then back).
    view! {
        <FlatRoutes fallback=|| Suspend::new(not_found())>
            <Route path=path!("/") view=|| view! { <Redirect path="/rooms" /> } />
            <Route path=path!("/signin") view={Lazy::<SignInRoute>::new()} />
            <Route path=path!("/signup") view={Lazy::<SignUpRoute>::new()} />
            <Route path=path!("/confirm") view={Lazy::<ConfirmRoute>::new()} />
            <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} />
            <Route path=path!("/reset-password") view={Lazy::<ResetPasswordRoute>::new()} />
            <Route path=path!("/rooms") view=|| view! { <RequireSession><Rooms /></RequireSession> } />
            <Route path=path!("/rooms/:room") view=|| view! { <RequireSession><Room /></RequireSession> } />
        </FlatRoutes>
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

split_view! { rare_pages:
    /// Shown when /config.json cannot be loaded: rarely seen, so a chunk.
    fn config_error_page(error: ConfigError, on_retry: Callback<()>) -> AnyView {
        first_screen().mark_shown();
        view! { <ConfigErrorPage error on_retry=move || on_retry.run(()) /> }.into_any()
    }
}

split_view! { rare_pages:
    /// The page for an unknown address: rarely seen, so a chunk.
    fn not_found() -> AnyView {
        first_screen().mark_shown();
        view! { <NotFound /> }.into_any()
    }
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

// The pages only for guests: a signed-in user never downloads them. The
// sign-in page, where a guest lands, is a chunk (`sign_in`); the pages
// reached from it are another (`account_pages`).
split_view! { sign_in:
    fn sign_in_page() -> AnyView {
        first_screen().mark_shown();
        view! { <GuestOnly><SignIn /></GuestOnly> }.into_any()
    }
}

/// The guest pages of the `account_pages` chunk.
#[derive(Clone, Copy, Debug)]
enum AccountPage {
    SignUp,
    Confirm,
    ForgotPassword,
    ResetPassword,
}

split_view! { account_pages:
    fn account_page(page: AccountPage) -> AnyView {
        first_screen().mark_shown();
        match page {
            AccountPage::SignUp => view! { <GuestOnly><SignUp /></GuestOnly> }.into_any(),
            AccountPage::Confirm => view! { <GuestOnly><ConfirmSignUp /></GuestOnly> }.into_any(),
            AccountPage::ForgotPassword => view! { <GuestOnly><ForgotPassword /></GuestOnly> }.into_any(),
            AccountPage::ResetPassword => view! { <GuestOnly><ResetPassword /></GuestOnly> }.into_any(),
        }
    }
}

/// A route to a guest page: its view comes with its chunk, fetched when
/// the page is first visited.
macro_rules! guest_route {
    ($route:ident, $page:expr) => {
        #[derive(Debug)]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }
            async fn view(_this: Self) -> AnyView {
                $page.await
            }
        }
    };
}

guest_route!(SignInRoute, sign_in_page());
guest_route!(SignUpRoute, account_page(AccountPage::SignUp));
guest_route!(ConfirmRoute, account_page(AccountPage::Confirm));
guest_route!(ForgotPasswordRoute, account_page(AccountPage::ForgotPassword));
guest_route!(ResetPasswordRoute, account_page(AccountPage::ResetPassword));
