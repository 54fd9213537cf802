#!/usr/bin/env bash
# Prints the gzip -9 size of every file of the built SPA and the total of
# what a browser downloads (html, js, wasm, css). With --budget KB, fails
# when that total is over the budget. Builds the release SPA first unless
# --no-build is given.
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

total=0
printf '%-56s %10s %10s\n' "file (dist/)" "bytes" "gzip -9"
while IFS= read -r -d '' file; do
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  printf '%-56s %10d %10d\n' "${file#dist/}" "$raw" "$gz"
  case "$file" in
    *.html|*.js|*.wasm|*.css) total=$((total + gz)) ;;
  esac
done < <(find dist -type f -print0 | sort -z)
printf '%-56s %10s %10d  (%d.%d KB)\n' "total html+js+wasm+css" "" "$total" $((total / 1024)) $(((total % 1024) * 10 / 1024))

if [[ -n "$budget_kb" ]] && (( total > budget_kb * 1024 )); then
  echo "size-report: the bundle is $total bytes gzipped, over the budget of $budget_kb KB" >&2
  exit 1
fi
