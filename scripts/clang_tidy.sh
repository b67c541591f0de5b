#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy) over the product sources,
# src/*.cc without the *_test.cc files, with the build's
# compile_commands.json, two files at a time, and fails when it reports any
# warning or error. The whole output is kept in BUILD_DIR/clang_tidy.log.
# Usage: scripts/clang_tidy.sh [BUILD_DIR] (default build). ctest runs it as
# the test `clang_tidy`.
#
# The unit tests are left out: GoogleTest's macros make clang-analyzer take
# 30-60 s a file here, which would double the suite's time, and findings in
# test code do not reach users.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
jobs="${CLANG_TIDY_JOBS:-2}"
log="$build/clang_tidy.log"

# Files left out for now, each with its reason (empty: none).
exclude=()

files=()
for f in "$root"/src/*.cc; do
  [[ "$f" == *_test.cc ]] && continue
  skip=
  for x in "${exclude[@]}"; do [[ "$f" == "$root/src/$x" ]] && skip=1; done
  [[ -z "$skip" ]] && files+=("^${f//./\\.}\$")
done

start=$SECONDS
set +e
run-clang-tidy -quiet -j "$jobs" -p "$build" "${files[@]}" 2>&1 |
  sed 's/\x1b\[[0-9;]*m//g' >"$log"
rc=${PIPESTATUS[0]}
set -e
# One line per finding (a header's finding repeats once per file including it).
findings="$(grep -E '^/.*: (warning|error): ' "$log" | sort -u || true)"
echo "clang-tidy: ${#files[@]} files in $((SECONDS - start)) s (output: $log)"
if [[ -n "$findings" ]]; then
  echo "$findings"
  echo "clang-tidy: $(echo "$findings" | wc -l) findings"
  exit 1
fi
# A file clang-tidy could not process, or run-clang-tidy itself failing
# (killed, no compile_commands.json), is a failure too, never a pass.
if ((rc != 0)) || grep -qE 'Error while processing|error: ' "$log"; then
  cat "$log"
  echo "clang-tidy: run-clang-tidy exited $rc"
  exit 1
fi
