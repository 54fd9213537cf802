#!/usr/bin/env bash
# Builds scripts/leptos-floor (a minimal Leptos app: router, a signal, a list
# fetched with gloo-net) with the app's release profile, wasm-bindgen and
# wasm-opt -Os, and prints its gzip -9 sizes: what Leptos costs before any of
# moodchat (docs/benchmarks.md, "Chat UI"). Uses the app's Cargo.lock.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT/scripts/leptos-floor"
cp "$REPO_ROOT/Cargo.lock" Cargo.lock
target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/leptos-floor"
CARGO_TARGET_DIR="$target" cargo build --release --target wasm32-unknown-unknown
out=$(mktemp -d)
trap 'rm -rf "$out" Cargo.lock' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$out" "$target/wasm32-unknown-unknown/release/leptos-floor.wasm"
wasm_opt="$(python3 -c 'import sys; sys.path.insert(0, "'"$REPO_ROOT"'/scripts"); import build_app; print(build_app.tool("wasm-opt"))')"
"$wasm_opt" -Os "$out/leptos-floor_bg.wasm" -o "$out/leptos-floor_bg.wasm"
printf 'leptos-floor wasm: %d B gzip -9 (%d raw); glue: %d B gzip -9\n' \
  "$(gzip -9 -c "$out/leptos-floor_bg.wasm" | wc -c)" "$(stat -c %s "$out/leptos-floor_bg.wasm")" "$(gzip -9 -c "$out/leptos-floor.js" | wc -c)"
