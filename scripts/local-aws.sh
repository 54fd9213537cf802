#!/usr/bin/env bash
# The serverless home on this machine: builds the web app and the Lambda
# handlers, then runs infra/template.yaml through crates/local-gateway with
# DynamoDB Local and moto (installed by `scripts/setup.sh --aws`). Prints the
# URL to open. Arguments go to local-gateway (e.g. --addr 127.0.0.1:0,
# --auto-confirm). docs/aws.md says what this emulates and what it does not.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

"$REPO_ROOT/scripts/setup.sh" --aws
[[ -f dist/index.html ]] || { step "Building the web app"; trunk build --release; }
step "Building the gateway and the handlers"
cargo build -p moodchat-local-gateway --bin local-gateway
if [[ -f crates/aws/Cargo.toml ]]; then
  cargo build -p moodchat-aws --bins
else
  echo "local-aws: crates/aws (the handlers) does not exist yet; routes answer as failing integrations" >&2
fi
exec "$CARGO_TARGET_DIR/debug/local-gateway" --start-services --binary-dir "$CARGO_TARGET_DIR/debug" \
  --template infra/template.yaml --dist dist "$@"
