#!/usr/bin/env bash
# Builds infra/template.yaml's functions for AWS with `sam build`, as
# docs/deploy.md says: cargo-lambda cross-compiles each binary of crates/aws
# for arm64 (zig as the linker) with the workspace's `lambda` profile, into
# infra/.aws-sam/build/<Function>/bootstrap, ready for `sam deploy`. Slow
# (docs/deploy.md has the time), so not part of scripts/test.sh. Arguments go
# to `sam build` (e.g. one function's logical id).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$REPO_ROOT/scripts/setup.sh" --sam-build
export PATH="$(dirname "$CARGO_LAMBDA_BIN"):$PATH"
cd "$REPO_ROOT/infra"
# SAM's "debug" only drops `--release`, which would make cargo-lambda build
# with the wasm-size release profile and force panic=abort (docs/aws.md,
# "Build profile"); the functions are built with the `lambda` profile.
SAM_BUILD_MODE=debug exec "$SAM_BIN" build "$@"
