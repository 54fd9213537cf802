#!/usr/bin/env bash
# Sets up what is missing, then runs every test: native unit and integration
# tests, the SPA's wasm-bindgen tests in headless Chromium, the bundle size
# budget, and the end-to-end tests (the real server and the real SPA in
# headless Chromium).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

"$REPO_ROOT/scripts/setup.sh" --browser --aws

# Every test runner's output also goes to a log, summed up at the end.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# A failing step is remembered and the run goes on, so that one failure
# does not hide the others (CI shows them all); the exit status says it.
failed=()
logged() { "$@" 2>&1 | tee -a "$log" || failed+=("$*"); }
checked() { "$@" || failed+=("$*"); }

step "Native tests: protocol, core, server, idp, sentiment"
# The sentiment trainer is tested too (determinism: same data, same weights).
logged cargo test --no-fail-fast --workspace --exclude moodchat-web --exclude moodchat-e2e --features moodchat-sentiment/train

# ---- The serverless home: the SAM template must validate (offline, ~10 s).
# The local gateway's tests (DynamoDB Local, the Lambda Runtime API, API
# Gateway's WebSocket and HTTP APIs) and crates/aws's (the adapters on
# DynamoDB Local, the ws-* functions through the gateway: one test binary,
# ~25 s warm) ran with the native tests above.
step "SAM template: sam validate --lint"
checked "$SAM_BIN" validate --lint --template "$REPO_ROOT/infra/template.yaml" --region us-east-1

step "Browser tests (wasm-bindgen-test in headless Chromium)"
logged cargo test --no-fail-fast --target wasm32-unknown-unknown -p moodchat-web -p moodchat-sentiment --tests

step "Release build of the SPA and its size"
# A regression guard at today's size, not the goal: 175.3 KB before the
# first message shows (the app is code-split: sign-in pages, composer, room
# list and tools, presence and typing, the header's switches, polling and the
# token refresh are lazily loaded chunks; 258.4 KB before the split). The
# product target is 150 KB, not met yet (docs/benchmarks.md says where the
# bytes go). Lower this as it shrinks. Raised to 157 by issue 14's client
# fixes (156.6 KB: the room view keyed per room, the unread line and marker,
# the unknown room and the banner, the phone layout; their rarely seen parts
# are chunks), until the code splitting along pages and features (issue 14's
# last part) brings it down. Raised to 158 by the default allocator's return
# (157.5 KB: dlmalloc is 0.7 KB more than the size-class allocator it replaces,
# which cost 5 MB more memory in a 10,000-message room; clear code over a KB).
# 160 after rebasing on "Merge correct": 163,587 B (159.7 KB) measured on the
# merged tree, its mood badge and picker 2.2 KB of it, in the main module.
# 161 for the message rows measured again when they grow (a ResizeObserver:
# an opened room landed 10 px short of the newest message): 163,899 B, +312 B.
checked "$REPO_ROOT/scripts/size-report.sh" --budget 161

# (Among them tests/downloads.rs: what the browser downloads on an emulated
# slow 4G network, bytes and requests within budget.)
step "End-to-end tests: the real server and SPA in headless Chromium"
cargo build -p moodchat-server --bin moodchat
MOODCHAT_BIN="$CARGO_TARGET_DIR/debug/moodchat" MOODCHAT_DIST_DIR="$REPO_ROOT/dist" \
  MOODCHAT_ARTIFACTS="$REPO_ROOT/test-artifacts" \
  logged cargo test --no-fail-fast -p moodchat-e2e

# One closing line for the whole run: the sum of every runner's results.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "\nall test runs: %d passed, %d failed\n", p, f }' "$log"
if ((${#failed[@]})); then
  printf 'failed: %s\n' "${failed[@]}"
  exit 1
fi
