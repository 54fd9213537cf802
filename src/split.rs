//! Code splitting: code a signed-in user does not need before the first
//! message shows lives in its own wasm chunks.
//!
//! With the `split` feature (the app as scripts/build_app.py builds it) a
//! function declared with [`split_view!`] or [`split_fn!`] is a split point:
//! `#[leptos::lazy]` moves its body, and everything only it uses, into a
//! chunk that is fetched the first time it is called. Without the feature
//! (the browser tests, which run wasm-bindgen without the splitter) it is a
//! plain async function, so callers are the same either way.

/// Declares `async fn $name(args) -> AnyView` whose body is split off.
macro_rules! split_view {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> AnyView $body:block) => {
        split_fn! { $(#[$meta])* $vis fn $name($($arg: $ty),*) -> AnyView $body }
    };
}

/// Declares `async fn $name(args) -> T` whose body is split off. The body
/// may itself be async (`async fn`): then what it awaits is in the chunk too.
macro_rules! split_fn {
    ($(#[$meta:meta])* $vis:vis async fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        #[cfg(feature = "split")]
        #[leptos::lazy]
        $vis async fn $name($($arg: $ty),*) $(-> $ret)? $body

        $(#[$meta])*
        #[cfg(not(feature = "split"))]
        $vis async fn $name($($arg: $ty),*) $(-> $ret)? $body
    };
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        #[cfg(feature = "split")]
        #[leptos::lazy]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? $body

        $(#[$meta])*
        #[cfg(not(feature = "split"))]
        $vis async fn $name($($arg: $ty),*) $(-> $ret)? $body
    };
}
