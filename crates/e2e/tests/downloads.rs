//! A guard on what the browser really downloads (crates/e2e/src/downloads.rs):
//! the bytes and requests of a first visit and of a signed-in cold reload on
//! the emulated slow 4G network stay within budget, everything that
//! compresses arrives compressed, and a warm reload takes the app from the
//! cache. Times are printed, not checked: this machine is too noisy for them
//! (scripts/download-bench.sh measures them over several runs).

use moodchat_e2e::downloads::{measure, thousands, Load};
use moodchat_e2e::network::NetworkProfile;
use moodchat_e2e::network_log::Request;

// Budgets: the figures measured on 2026-12-05 with the app split along its
// features (src/split.rs; docs/benchmarks.md, "What the browser downloads"),
// plus a little margin: a cold reload 149,355 B in 9 requests (issue 14's
// targets: 160 KB, 25 requests), a first visit 191,262 B in 24 requests
// (target 150 KB, not met: the main module holds the room for the cold
// reload's sake, and the sign-in page's chunks come on top of it).
// Issue 17's reactions (the row's chips and the picker's button in the main
// module, docs/benchmarks.md): a cold reload measured 156,095 B, over 152 KB.
// The row tools on hover and the menus' arrow keys: 156,686 B measured by a
// fresh clone's scripts/test.sh on 2026-12-06, 14 B over 153 KB (issue 14's
// target, 160 KB, still met). Replies (the quote and the reply button in
// the row, the quote read from the wire): 158,064 B, 368 B over 154 KB;
// the first visit 199,977 B, 297 B over 195 KB (the same main module).
// Mentions, mute and notifications: the cold reload 159,182 B (under 156 KB),
// the first visit 202,408 B in 25 requests (one more shared chunk), over 197 KB.
const COLD_RELOAD_MAX_BYTES: u64 = 156 * 1024;
const COLD_RELOAD_MAX_REQUESTS: usize = 12;
const FIRST_VISIT_MAX_BYTES: u64 = 199 * 1024;
const FIRST_VISIT_MAX_REQUESTS: usize = 28;

/// A chunk of the app (scripts/build_app.py), not its main module.
fn app_chunk(request: &Request) -> bool {
    let name = request.path().rsplit('/').next().unwrap_or_default();
    name.ends_with(".wasm") && (name.starts_with("chunk_") || name.starts_with("split_"))
}

/// The app's own files: all content-hashed.
fn app_file(request: &Request) -> bool {
    [".wasm", ".js", ".css"].iter().any(|kind| request.path().ends_with(kind))
}

/// Files the build compresses, big enough that a copy is always smaller.
fn compresses(request: &Request) -> bool {
    app_file(request) && request.bytes > 2048
}

fn check_compressed(what: &str, load: &Load) {
    for request in load.requests.iter().filter(|request| request.status == 200 && compresses(request)) {
        assert!(
            ["br", "gzip"].contains(&request.encoding.as_str()),
            "{what}: {} came uncompressed ({} B)",
            request.path(),
            request.bytes
        );
    }
}

#[tokio::test]
async fn what_the_browser_downloads_stays_within_budget() -> anyhow::Result<()> {
    let downloads = measure(NetworkProfile::SLOW_4G).await?;
    for (what, load) in downloads.loads() {
        println!("{what}: {load}");
    }
    let (cold, first) = (&downloads.cold_reload, &downloads.first_visit);

    assert!(
        cold.bytes() <= COLD_RELOAD_MAX_BYTES,
        "a signed-in cold reload downloads {} B before the first message, over the budget of {} B",
        thousands(cold.bytes()),
        thousands(COLD_RELOAD_MAX_BYTES)
    );
    assert!(
        cold.network_requests() <= COLD_RELOAD_MAX_REQUESTS,
        "a signed-in cold reload makes {} requests before the first message, over the budget of {COLD_RELOAD_MAX_REQUESTS}",
        cold.network_requests()
    );
    // Everything the first message needs is in the main module: the chunks
    // of the features around it are fetched once it is painted.
    let chunks: Vec<&str> = cold.requests.iter().filter(|request| app_chunk(request)).map(Request::path).collect();
    assert!(chunks.is_empty(), "a signed-in cold reload fetched chunks before the first message: {chunks:?}");
    assert!(
        first.network_requests() <= FIRST_VISIT_MAX_REQUESTS,
        "a first visit makes {} requests before the sign-in form is usable, over the budget of {FIRST_VISIT_MAX_REQUESTS}",
        first.network_requests()
    );
    assert!(
        first.bytes() <= FIRST_VISIT_MAX_BYTES,
        "a first visit downloads {} B before the sign-in form is usable, over the budget of {} B",
        thousands(first.bytes()),
        thousands(FIRST_VISIT_MAX_BYTES)
    );

    check_compressed("first visit", first);
    check_compressed("cold reload", cold);
    check_compressed("mood worker", &downloads.mood_worker);
    let worker_wasm = downloads.mood_worker.requests.iter().find(|request| request.path().ends_with("_bg.wasm"));
    assert!(worker_wasm.is_some_and(|wasm| wasm.status == 200), "the mood worker's wasm was not fetched: {}", downloads.mood_worker);
    assert!(
        !first.requests.iter().chain(&cold.requests).any(|request| request.path().contains("mood-worker")),
        "the mood worker was fetched before anyone typed"
    );

    // Everything content-hashed comes from the cache on a warm reload;
    // only what is revalidated or dynamic (the page, /config.json, the API)
    // goes to the network.
    let warm = &downloads.warm_reload;
    let refetched: Vec<&str> =
        warm.requests.iter().filter(|request| !request.from_cache && app_file(request)).map(Request::path).collect();
    assert!(refetched.is_empty(), "a warm reload fetched again: {refetched:?}");
    assert!(warm.bytes() < cold.bytes() / 5, "a warm reload downloads {} B", thousands(warm.bytes()));
    Ok(())
}
