//! Entry point trunk builds: mount the app on <body>.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(moodchat_web::App);
}
