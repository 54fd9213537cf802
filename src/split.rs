//! Code splitting: code a user does not need before the page's first screen
//! (a room's first messages, the sign-in form) lives in wasm chunks, one per
//! feature, and those chunks are only fetched once that screen is painted.
//!
//! With the `split` feature (the app as scripts/build_app.py builds it) a
//! function declared with [`split_view!`] or [`split_fn!`] is a split point
//! of a named chunk: everything only the chunk's functions use moves into
//! it, and it is fetched the first time one of them is called. Functions
//! that name the same chunk share it, so a feature is one module, not one
//! per function (the splitter adds a shared chunk for each set of features
//! that share code: few features, few files). Without the feature (the
//! browser tests, which run wasm-bindgen without the splitter) a split
//! point is a plain async function, so callers are the same either way.
//!
//! The chunks (the first argument of the macros):
//! - `sign_in`: the sign-in page, where a guest lands; `account_pages`: the
//!   sign-up, confirmation and password pages;
//! - `header_tools`: the header's language and theme switches, the account
//!   and the connection's state;
//! - `room_tools`: what surrounds a room's messages: the composer, presence,
//!   typing and "seen by", the room list and its tools, the live link, the
//!   header's mood chart and search (the button, the panel, the jump);
//! - `polling`, `session_renewal`, `image_viewer`, `mood_menu`, `message_menu`,
//!   `rare_pages`: each a feature used now and then.
//!
//! Each chunk name multiplies the shared `chunk_*` files, one per set of
//! chunks sharing code, and a page fetches every one its chunk is in. The
//! mood chart, the search button and the search panel in chunks of their
//! own made a guest's first visit fetch 29 shared chunks instead of 15 (38
//! requests, 2.13 s, against 24 and 1.78 s: code the panel's form shares
//! with the sign-in page); the panel alone in one, 21 (30 requests, 1.94 s).
//! So they are in `room_tools`, fetched right after a room's first screen.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;

/// Declares `async fn $name(args) -> AnyView` whose body is in chunk `$chunk`.
macro_rules! split_view {
    ($chunk:ident: $(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> AnyView $body:block) => {
        split_fn! { $chunk: $(#[$meta])* $vis fn $name($($arg: $ty),*) -> AnyView $body }
    };
}

/// Declares `async fn $name(args) -> T` whose body is in chunk `$chunk`.
/// The body may itself be async (`async fn`, returning nothing): then what
/// it awaits is in the chunk too.
macro_rules! split_fn {
    ($chunk:ident: $(#[$meta:meta])* $vis:vis async fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        // What `#[leptos::lazy]` does with an async function, with a chunk
        // name of our own (`lazy` makes one chunk per function).
        $(#[$meta])*
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split(
            $chunk,
            wasm_split_path = ::leptos::wasm_split,
            return_wrapper(let future = _; { future.await } -> ())
        )]
        $vis fn $name($($arg: $ty),*) -> ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = ()> + Send + Sync>> {
            ::std::boxed::Box::pin(::leptos::__reexports::send_wrapper::SendWrapper::new(async move $body))
        }

        $(#[$meta])*
        #[cfg(not(feature = "split"))]
        $vis async fn $name($($arg: $ty),*) $body
    };
    ($chunk:ident: $(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split)]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? $body

        $(#[$meta])*
        #[cfg(not(feature = "split"))]
        $vis async fn $name($($arg: $ty),*) $(-> $ret)? $body
    };
}

/// Whether the page's first screen has been painted: until then the app
/// fetches nothing but what that screen needs, so on a slow link the chunks
/// of features never queue in front of it (a browser opens six connections
/// to a server over HTTP/1.1, and every byte shares one link).
#[derive(Clone, Copy)]
pub struct FirstScreen {
    shown: RwSignal<bool>,
    /// Resolved when `shown` becomes true, for tasks that wait for it.
    painted: StoredValue<(js_sys::Promise, Option<js_sys::Function>), LocalStorage>,
}

impl FirstScreen {
    fn new(shown: bool) -> Self {
        let mut resolve = None;
        let painted = if shown {
            js_sys::Promise::resolve(&wasm_bindgen::JsValue::UNDEFINED)
        } else {
            js_sys::Promise::new(&mut |ok, _| resolve = Some(ok))
        };
        Self { shown: RwSignal::new(shown), painted: StoredValue::new_local((painted, resolve)) }
    }

    /// For the app's shell: nothing is shown yet.
    pub fn provide() -> Self {
        let first_screen = Self::new(false);
        provide_context(first_screen);
        first_screen
    }

    /// Tracked: true once the first screen has been painted.
    pub fn shown(self) -> bool {
        self.shown.get()
    }

    /// Waits until the first screen has been painted.
    pub async fn painted(self) {
        if let Some(painted) = self.painted.try_with_value(|(painted, _)| painted.clone()) {
            let _ = wasm_bindgen_futures::JsFuture::from(painted).await;
        }
    }

    /// The page's content is in the document: once the browser has painted
    /// it (after the next frame), features may be fetched.
    pub fn mark_shown(self) {
        if self.shown.get_untracked() {
            return;
        }
        request_animation_frame(move || {
            set_timeout(
                move || {
                    if self.shown.try_set(true).is_some() {
                        return; // disposed
                    }
                    if let Some(Some(resolve)) = self.painted.try_update_value(|(_, resolve)| resolve.take()) {
                        let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
                    }
                },
                std::time::Duration::ZERO,
            );
        });
    }
}

/// The app's `FirstScreen`; a component mounted on its own (the browser
/// tests) has all of its parts at once.
pub fn first_screen() -> FirstScreen {
    use_context::<FirstScreen>().unwrap_or_else(|| FirstScreen::new(true))
}

/// A part of the page in a chunk, fetched once the first screen is shown.
pub fn after_first_screen<F>(part: impl Fn() -> F + Send + Sync + 'static) -> impl IntoView
where
    F: Future<Output = AnyView> + Send + 'static,
{
    later(first_screen(), Arc::new(move || Box::pin(part())))
}

/// A chunk's view, built by `after_first_screen`'s caller.
type Part = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = AnyView> + Send>> + Send + Sync>;

/// One implementation for every part (Leptos compiles a view per closure
/// and future type: one each, rather than one per caller).
fn later(first_screen: FirstScreen, part: Part) -> impl IntoView {
    move || first_screen.shown().then(|| Suspend::new(part()))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    thread_local! {
        static SCREEN: Cell<Option<FirstScreen>> = const { Cell::new(None) };
    }

    /// Resolves after the next frame and the task after it.
    async fn next_frame() {
        let frame = js_sys::Promise::new(&mut |ok, _| {
            request_animation_frame(move || {
                set_timeout(
                    move || {
                        let _ = ok.call0(&wasm_bindgen::JsValue::UNDEFINED);
                    },
                    std::time::Duration::ZERO,
                );
            });
        });
        let _ = wasm_bindgen_futures::JsFuture::from(frame).await;
    }

    #[test]
    async fn parts_are_fetched_only_once_the_first_screen_is_painted() {
        let document = web_sys::window().unwrap().document().unwrap();
        let container: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&container).unwrap();
        let _handle = leptos::mount::mount_to(container.clone(), || {
            SCREEN.set(Some(FirstScreen::provide()));
            view! {
                <p class="page">"the page"</p>
                {after_first_screen(|| async { view! { <p class="part">"a feature"</p> }.into_any() })}
            }
        });
        let screen = SCREEN.get().unwrap();
        next_frame().await;
        next_frame().await;
        assert!(container.query_selector(".page").unwrap().is_some());
        assert!(container.query_selector(".part").unwrap().is_none(), "a part came before the first screen");
        assert!(!screen.shown.get_untracked());

        screen.mark_shown();
        screen.painted().await;
        assert!(screen.shown.get_untracked());
        let deadline = js_sys::Date::now() + 3000.0;
        while container.query_selector(".part").unwrap().is_none() {
            assert!(js_sys::Date::now() < deadline, "the part never came after the first screen");
            next_frame().await;
        }
    }
}
