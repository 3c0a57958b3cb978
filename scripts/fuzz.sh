#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets (Fuzz/Targets, docs/fuzzing.md) with -sanitize=fuzzer,address and
# runs each for FUZZ_SECONDS from the committed seed corpus Fuzz/corpus/<target>, growing a work corpus in
# $FLINT_CACHE/fuzz/<target>/corpus (outside the repository). Prints one line per target: executions,
# libFuzzer's cov: (edges) and ft: (features) at the end, and the result. Exits 1 when any target found a
# crash, leak, timeout or out-of-memory input (saved in $FLINT_CACHE/fuzz/<target>/artifacts/), or failed
# to start.
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_TARGETS   space-separated subset (default: every target under Fuzz/Targets)
#   FUZZ_BUILD=0   skip the build (reuse .build-fuzz)
#   FUZZ_ARGS      extra libFuzzer flags
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
seconds=${FUZZ_SECONDS:-60}
cache=${FLINT_CACHE:-$HOME/.cache/flint}
work=$cache/fuzz
targets=${FUZZ_TARGETS:-$(ls Fuzz/Targets)}
build=.build-fuzz

if [ "${FUZZ_BUILD:-1}" != 0 ]; then
  start=$(date +%s)
  # -enable-testing lets the targets reach internal decoders with @testable import; FLINT_FUZZ=1 makes
  # Package.swift drop the flint executable and the tests and add the Fuzz* executables.
  # With FUZZ_TARGETS, only those products (and what they import) are built, one `--product` at a time.
  products=(all)
  [ -n "${FUZZ_TARGETS:-}" ] && products=($targets)
  for product in "${products[@]}"; do
    selection=()
    [ "$product" != all ] && selection=(--product "$product")
    FLINT_FUZZ=1 $SWIFT build -c release --build-path "$build" "${selection[@]}" \
      -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing 2>&1 | tail -5
  done
  echo "fuzz: built the targets in $(( $(date +%s) - start )) s"
fi
bin=$build/release   # SwiftPM's link to <triple>/release (asking `swift build --show-bin-path` would wait for a build's lock)

status=0
printf '%-20s %12s %8s %8s %8s  %s\n' target execs cov ft seconds result
for target in $targets; do
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  seeds="Fuzz/corpus/$target"
  if [ "$target" = FuzzGGUF ]; then
    # GGUF seeds are model-format files: made here by gguf-py (peer venv), never committed.
    seeds="$work/FuzzGGUF/seeds"
    venv=${FLINT_PEERS_VENV:-$cache/peers-venv}
    "$venv/bin/python" -c 'import gguf' 2>/dev/null || bash scripts/setup-peers.sh >/dev/null
    "$venv/bin/python" scripts/fixtures/make_gguf_fuzz_seeds.py "$seeds" >/dev/null
  fi
  log="$work/$target/last-run.log"
  started=$(date +%s)
  set +e
  # -rss_limit_mb: one input may not take more than 2 GiB; -timeout: nor more than 10 s; leaks are
  # reported by LeakSanitizer at the end of each input (-detect_leaks=1, libFuzzer's default with ASan).
  # SWIFT_BACKTRACE=enable=no: a Swift trap then reaches libFuzzer as a deadly signal with ASan's stack
  # (the Swift backtracer's memory reader otherwise trips ASan and hides the trap behind "unknown-crash").
  SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no} ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/Fuzz/lsan-suppressions.txt:print_suppressions=0} "$bin/$target" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/$target/artifacts/" ${FUZZ_ARGS:-} \
    "$work/$target/corpus" "$seeds" >"$log" 2>&1
  code=$?
  set -e
  took=$(( $(date +%s) - started ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  if [ "$code" -eq 0 ]; then
    result=ok
  else
    status=1
    result=$(grep -m1 -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-zA-Z -]+|Fatal error: .*|SUMMARY: .*' "$log" || echo "exit $code")
    result="$result (exit $code; see $log)"
  fi
  printf '%-20s %12s %8s %8s %8s  %s\n' "$target" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$took" "$result"
  echo "$(date -u +%FT%TZ) seconds=$took execs=${execs:-0} cov=${cov:-0} ft=${ft:-0} exit=$code" >>"$work/$target/runs.log"
done
exit $status
