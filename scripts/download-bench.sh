#!/usr/bin/env bash
# What the browser really downloads: the release app served by the real
# `moodchat serve`, loaded in headless Chromium on an
# emulated slow 4G phone network (1.6 Mbit/s down, 750 kbit/s up, 150 ms),
# counted from the browser's own network records (crates/e2e/src/downloads.rs).
# Prints a Markdown table for docs/benchmarks.md.
#
#   scripts/download-bench.sh [--no-build] [--runs N] [--requests]
#
# --no-build uses dist/ and the server as they are; --runs (default 3) and
# --requests (every request of the last run) go to the bench itself.
# MOODCHAT_DIST_DIR serves another build (default dist/). The server is the
# debug build the end-to-end tests use: its own time per request is a few
# milliseconds, against 150 ms of emulated latency.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

build=true
if [[ "${1:-}" == "--no-build" ]]; then
  build=false
  shift
fi

if $build; then
  "$REPO_ROOT/scripts/setup.sh" --browser
  step "Release build of the app"
  trunk build --release
  step "The server"
  cargo build -p moodchat-server --bin moodchat
fi
cargo build -p moodchat-e2e --bin download_bench

step "Measuring"
MOODCHAT_BIN="$CARGO_TARGET_DIR/debug/moodchat" MOODCHAT_DIST_DIR="${MOODCHAT_DIST_DIR:-$REPO_ROOT/dist}" \
  "$CARGO_TARGET_DIR/debug/download_bench" "$@"
