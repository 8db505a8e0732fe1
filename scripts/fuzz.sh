#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, with AddressSanitizer) of every parser that takes outside
# bytes, for a fixed budget: WARDEN_FUZZ_SECONDS per target (default 6). The checked-in seeds in
# Tests/fuzz/corpus/TARGET are read, never written; a crash, a leak, an input slower than 2 s
# or one that needs more than 512 MB fails the run, and its input is kept in .build/fuzz/ to be
# added to the seeds as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build/fuzz
mkdir -p "$out"
seconds=${WARDEN_FUZZ_SECONDS:-6}
sanitize=(-sanitize=fuzzer,address -parse-as-library -Onone -g)
domain=()
for file in Sources/WardenDomain/*.swift; do
  [ "$(basename "$file")" = Digest.swift ] || domain+=("$file")
done
# WardenDomain as a module of its own (the fuzz entry imports it, as the sources do).
swiftc "${sanitize[@]}" -module-name WardenDomain -emit-module -emit-module-path "$out/WardenDomain.swiftmodule" \
  -emit-library -static -o "$out/libWardenDomain.a" "${domain[@]}" Tests/fuzz/DigestForFuzzing.swift
swiftc "${sanitize[@]}" -module-name WardenFuzz -I "$out" -L "$out" -lWardenDomain -o "$out/warden-fuzz" \
  Tests/fuzz/FuzzTargets.swift Sources/WardenSandbox/Protocol/EgressFraming.swift \
  Sources/WardenSandbox/Protocol/EgressFrameDecoding.swift Sources/WardenStore/Postgres/DatabaseURL.swift
clang -fsanitize=fuzzer,address -g -O1 -ISources/warden-launcher/include -o "$out/launcher-fuzz" \
  Tests/fuzz/launcher_fuzz.c Sources/warden-launcher/opts.c Sources/warden-launcher/report.c

run() {  # binary target max_len
  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/warden-fuzz-$2.XXXXXX")
  echo "fuzz: $2 for ${seconds}s"
  # A fixed seed: the same build explores the same inputs, so CI is repeatable.
  if ! WARDEN_FUZZ_TARGET=$2 "$1" -seed=1 -max_total_time="$seconds" -timeout=2 -rss_limit_mb=512 -max_len="$3" \
      -artifact_prefix="$out/crash-$2-" -close_fd_mask=2 -print_final_stats=1 "$work" "Tests/fuzz/corpus/$2" \
      > "$out/$2.log" 2>&1; then
    tail -40 "$out/$2.log"
    echo "fuzz: $2 failed; its input is in $out/crash-$2-*: add it to Tests/fuzz/corpus/$2"
    rm -rf "$work"
    return 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/$2.log" | tr '\n' ' '
  echo
  rm -rf "$work"
}
run "$out/warden-fuzz" json 65536
run "$out/warden-fuzz" frame 70000
run "$out/warden-fuzz" sse 16384
run "$out/warden-fuzz" validate 65536
run "$out/warden-fuzz" cursor 256
run "$out/warden-fuzz" dburl 1024
run "$out/warden-fuzz" time 128
run "$out/launcher-fuzz" opts 4096
run "$out/launcher-fuzz" report 1024
echo "fuzz: all targets clean"
