#!/usr/bin/env bash
# Sets up what is missing, builds the web app and the server, and starts
# moodchat on the embedded default. Extra arguments go to `moodchat serve`
# (e.g. --addr 0.0.0.0:8080). Stop it with Ctrl-C.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

"$REPO_ROOT/scripts/setup.sh"

step "Building the web app (trunk build --release)"
trunk build --release

step "Building the server"
cargo build --profile server -p moodchat-server --bin moodchat

step "Starting moodchat: open the URL printed below"
# The local demo serves the codes it "emails" at /idp/outbox, so sign-ups can
# be confirmed without a mail server. Never on a shared or public server:
# anyone who can read it can reset anyone's password (docs/security.md).
echo "Development outbox ON: confirmation and reset codes at <the URL below>/idp/outbox?email=... (requests from this machine only)"
exec "$CARGO_TARGET_DIR/server/moodchat" serve \
  --dist-dir "$REPO_ROOT/dist" \
  --data-dir "${MOODCHAT_DATA_DIR:-$REPO_ROOT/data}" \
  --dev-outbox \
  "$@"
