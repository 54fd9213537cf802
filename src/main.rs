//! Entry point trunk builds: mount the app on <body>.

fn main() {
    // Panic messages in the console are for development; release builds
    // leave the hook (and the formatting it pulls in) out of the bundle.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(moodchat_web::App);
}
