#!/usr/bin/env bash
# Runs every libFuzzer harness of a VCC_FUZZ build (tools/test.sh --sanitize makes one) for a
# while, from the committed seed corpus (tests/fuzz/corpus/<harness>/) and the shared bad
# inputs, and prints executions per harness. New inputs go to a scratch corpus, not the repo.
# A crash, leak, sanitizer report, timeout or an exception other than vcc::Error fails the run;
# libFuzzer writes the input that did it to $OUT/artifacts/.
#   tools/fuzz.sh [--seconds N | --runs N] [--build DIR] [--out DIR] [harness ...]
# Defaults: 15 s each, build-sanitize, runs/fuzz, every harness. --runs N tries exactly N
# inputs per harness from a fixed seed and an empty scratch corpus: the same inputs on every
# machine and every run, which is what CI wants (a time budget explores more on a faster
# machine, so a run could fail on one and pass on another).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=15
RUNS=0
BUILD=build-sanitize
OUT=runs/fuzz
harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "tools/fuzz.sh: unknown option '$1'" >&2; exit 2 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
if [ ${#harnesses[@]} -eq 0 ]; then
  for exe in "$BUILD"/bin/fuzz_*; do [ -x "$exe" ] && harnesses+=("$(basename "$exe")"); done
fi
if [ ${#harnesses[@]} -eq 0 ]; then
  echo "tools/fuzz.sh: no harnesses in $BUILD/bin (configure with -DVCC_FUZZ=ON and clang; tools/test.sh --sanitize)" >&2
  exit 2
fi
shared_bad=../shared/data/bad-inputs
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# malloc behaves as in a normal build: a corrupt HDF5 header makes libhdf5 1.10 ask for
# absurd sizes inside H5Fopen (2^62 bytes; found by these harnesses), which malloc refuses,
# and libhdf5 then fails the open, which vcc reports in one line (tests/train/bad_inputs_test.cpp
# runs the found files through vcc-eval: exit 1, a few MB of memory). So ASan returns NULL
# too instead of aborting, and libFuzzer's per-malloc limit is off; memory actually used is
# still limited (-rss_limit_mb).
export ASAN_OPTIONS="allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
mkdir -p "$OUT/artifacts"
failed=0
printf '| harness | seconds | executions | exec/s | result |\n|---|---:|---:|---:|---|\n'
if [ "$RUNS" -gt 0 ]; then budget=(-runs="$RUNS" -seed=1); else budget=(-max_total_time="$SECONDS_EACH"); fi
for h in "${harnesses[@]}"; do
  exe="$BUILD/bin/$h"
  [ -x "$exe" ] || { echo "tools/fuzz.sh: $exe not built" >&2; exit 2; }
  scratch="$OUT/corpus/$h"
  [ "$RUNS" -gt 0 ] && rm -rf "$scratch"
  mkdir -p "$scratch"
  seeds=(tests/fuzz/corpus/"$h")
  [ -d "$shared_bad" ] && seeds+=("$shared_bad")
  log="$OUT/$h.log"
  status=0
  # -rss_limit_mb: a reader must not need more than 2 GB for a small file; -timeout: nor hang.
  started=$(date +%s.%N)
  "$exe" "${budget[@]}" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1048576 -max_len=131072 -print_final_stats=1 \
    -artifact_prefix="$OUT/artifacts/$h-" "$scratch" "${seeds[@]}" >"$log" 2>&1 || status=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
  rate=$(( execs / (elapsed > 0 ? elapsed : 1) ))
  if [ "$status" = 0 ]; then result=ok; else result="FAILED (exit $status, $log)"; failed=1; fi
  printf '| %s | %s | %s | %s | %s |\n' "$h" "$elapsed" "$execs" "$rate" "$result"
done
if [ "$failed" != 0 ]; then
  echo "tools/fuzz.sh: a harness failed; its log shows the report and the artifact path" >&2
  grep -h -m3 -E "ERROR: |SUMMARY: |terminate called|what\(\)" "$OUT"/*.log >&2 || true
fi
exit $failed
