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

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
