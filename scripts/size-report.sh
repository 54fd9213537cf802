#!/usr/bin/env bash
# Prints the size of every file of the built SPA: gzip -9, and as served (the
# brotli copy the release build makes, which `moodchat serve` sends to
# browsers that accept it; the file itself when it has none). Then the total
# of what a browser downloads before the first screen (html, js, wasm, css,
# the icon: the main module and its companions; since issue 14 no chunk is
# fetched before a room's first message shows, see src/split.rs), and apart
# from it what is loaded lazily later (the app's chunks, the SRP sign-in
# worker, the mood worker with its model). With --budget KB, fails when the
# initial total as served is over the budget: the bytes the first message
# waits for, without the headers, /config.json and the room's history that
# crates/e2e/tests/downloads.rs counts in the browser.
# Builds the release SPA first unless --no-build is given.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

budget_kb=""
build=true
while (( $# )); do
  case "$1" in
    --budget) budget_kb="$2"; shift 2 ;;
    --no-build) build=false; shift ;;
    *) echo "usage: $0 [--budget KB] [--no-build]" >&2; exit 2 ;;
  esac
done

if $build; then
  trunk build --release >/dev/null
fi

# Files fetched only when needed, never before the first screen: the
# workers, and the chunks of the app that scripts/build_app.py split off.
lazy_pattern='(^|/)((moodchat-srp-worker|moodchat-mood-worker|moodchat-sentiment)[^/]*|chunk_[0-9]+\.wasm|split_[^/]*\.wasm)$'

total=0
served_total=0
lazy_total=0
lazy_served=0
printf '%-56s %10s %10s %10s\n' "file (dist/)" "bytes" "gzip -9" "served"
while IFS= read -r -d '' file; do
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  served=$raw
  [[ -f "$file.br" ]] && served=$(stat -c %s "$file.br")
  if [[ "$file" =~ $lazy_pattern ]]; then
    printf '%-56s %10d %10d %10d  lazy\n' "${file#dist/}" "$raw" "$gz" "$served"
    lazy_total=$((lazy_total + gz))
    lazy_served=$((lazy_served + served))
    continue
  fi
  printf '%-56s %10d %10d %10d\n' "${file#dist/}" "$raw" "$gz" "$served"
  case "$file" in
    *.html|*.js|*.wasm|*.css|*.svg)
      total=$((total + gz))
      served_total=$((served_total + served)) ;;
  esac
# (Not the build's precompressed .br and .gz copies: each file is gzipped here.)
done < <(find dist -type f ! -name '*.br' ! -name '*.gz' -print0 | sort -z)
kb() { printf '%d.%d KB' $(($1 / 1024)) $((($1 % 1024) * 10 / 1024)); }
printf '%-56s %10s %10d %10d  (%s as served)\n' "initial total html+js+wasm+css+svg" "" "$total" "$served_total" "$(kb "$served_total")"
printf '%-56s %10s %10d %10d  (%s as served)\n' "loaded lazily" "" "$lazy_total" "$lazy_served" "$(kb "$lazy_served")"

if [[ -n "$budget_kb" ]] && (( served_total > budget_kb * 1024 )); then
  echo "size-report: the first screen's files are $served_total bytes as served, over the budget of $budget_kb KB" >&2
  exit 1
fi
