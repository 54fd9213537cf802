#!/usr/bin/env bash
# Prints the gzip -9 size of every file of the built SPA, the total of what a
# browser downloads before the app shows (html, js, wasm, css), and apart
# from it what is loaded lazily later (the SRP sign-in worker, the mood
# worker with its model). With --budget KB, fails when the initial total is over the budget.
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
lazy_total=0
printf '%-56s %10s %10s\n' "file (dist/)" "bytes" "gzip -9"
while IFS= read -r -d '' file; do
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  if [[ "$file" =~ $lazy_pattern ]]; then
    printf '%-56s %10d %10d  lazy\n' "${file#dist/}" "$raw" "$gz"
    lazy_total=$((lazy_total + gz))
    continue
  fi
  printf '%-56s %10d %10d\n' "${file#dist/}" "$raw" "$gz"
  case "$file" in
    *.html|*.js|*.wasm|*.css) total=$((total + gz)) ;;
  esac
# (Not the build's precompressed .br and .gz copies: each file is gzipped here.)
done < <(find dist -type f ! -name '*.br' ! -name '*.gz' -print0 | sort -z)
kb() { printf '%d.%d KB' $(($1 / 1024)) $((($1 % 1024) * 10 / 1024)); }
printf '%-56s %10s %10d  (%s)\n' "initial total html+js+wasm+css" "" "$total" "$(kb "$total")"
printf '%-56s %10s %10d  (%s)\n' "loaded lazily" "" "$lazy_total" "$(kb "$lazy_total")"

if [[ -n "$budget_kb" ]] && (( total > budget_kb * 1024 )); then
  echo "size-report: the bundle is $total bytes gzipped, over the budget of $budget_kb KB" >&2
  exit 1
fi
