//! A minimal Leptos client-side app with what every moodchat page has: the
//! router, a signal, a list fetched over HTTP with gloo-net. Its size is the
//! floor under the app's main module (scripts/leptos-floor.sh).

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

fn main() {
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    view! {
        <Router>
            <main>
                <Routes fallback=|| "not found">
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/rooms/:room") view=Room />
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    let (count, set_count) = signal(0);
    view! { <button on:click=move |_| set_count.update(|count| *count += 1)>{count}</button> }
}

#[component]
fn Room() -> impl IntoView {
    let lines = RwSignal::new(Vec::<String>::new());
    leptos::task::spawn_local(async move {
        if let Ok(response) = gloo_net::http::Request::get("/api/rooms/lobby/messages").send().await {
            if let Ok(text) = response.text().await {
                lines.set(text.lines().map(str::to_owned).collect());
            }
        }
    });
    view! {
        <ul>
            <For each=move || lines.get() key=|line| line.clone() let:line>
                <li>{line}</li>
            </For>
        </ul>
    }
}
