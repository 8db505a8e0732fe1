#!/usr/bin/env bash
# Prints the line coverage of Warden's own sources (not tests, not dependencies) from the last
# `swift test --enable-code-coverage`, and fails when it is below scripts/coverage-threshold.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=$(dirname "$(swift test --show-codecov-path)")/default.profdata
binary=.build/debug/wardenPackageTests.xctest
llvm_cov=$(dirname "$(readlink -f "$(command -v swift)")")/llvm-cov
report=$("$llvm_cov" report "$binary" -instr-profile="$profile" -ignore-filename-regex='(\.build|Tests)/')
echo "$report" | tail -n 25
# TOTAL: regions, missed, cover, functions, missed, executed, lines, missed, cover, ...
lines=$(echo "$report" | awk '$1 == "TOTAL" { print $10 }' | tr -d '%')
threshold=$(cat scripts/coverage-threshold)
echo "line coverage of Sources/: ${lines}% (threshold ${threshold}%)"
awk -v got="$lines" -v want="$threshold" 'BEGIN { exit !(got + 0 >= want + 0) }' || {
  echo "coverage ${lines}% is below the threshold ${threshold}%" >&2
  exit 1
}
