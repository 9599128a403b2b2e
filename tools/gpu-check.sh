#!/usr/bin/env bash
# The GPU check: one command for the day a machine with a GPU is at hand (docs/gpu.md).
#
#   tools/gpu-check.sh --make-bundle     on a CPU machine with the toolchain (tools/setup.sh +
#                                        the CUDA toolkit): a portable CUDA build of what the
#                                        checks need, packed with the non-CUDA libraries it
#                                        links into gpu-bundle.tar.gz (git-ignored, < 60 MB)
#   tools/gpu-check.sh                   on the GPU machine, from the repository root:
#     1. binaries: gpu-bundle.tar.gz if present (no compiler or -dev package needed there),
#        else a build (needs what tools/setup.sh installs, plus nvcc)
#     2. the GPU test suite (test_gpu: every op, and model training steps, CPU vs GPU)
#     3. a probe: RoBERTa-base 4K training steps in fp32 / TF32 / bf16 with full attention
#        and with VCC (vcc-bench), then attention throughput (vcc-bench-kernels)
#     4. compute-sanitizer memcheck and racecheck on the attention, index and VCC-tree tests
#     5. a one-page summary: $OUT/summary.md (also printed)
#   Options: --out DIR (default runs/gpu-check), --bundle FILE, --quick (tests only).
#   Everything fits in about 9 minutes on a 16-core machine with one GPU; each part has a
#   time limit, and a part that runs out of time is reported as such, not hung on.
#
# Exit status: 0 every check passed; 1 a check failed (the summary says which); 2 usage or
# set-up error; 3 no GPU on this machine (one line, nothing else done).
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=runs/gpu-check
BUNDLE=gpu-bundle.tar.gz
MAKE_BUNDLE=0
QUICK=0
BUNDLE_BUILD=${BUNDLE_BUILD:-build-gpu-bundle}
BUNDLE_LIMIT_MB=60
while [ $# -gt 0 ]; do
  case "$1" in
    --make-bundle) MAKE_BUNDLE=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    --bundle) BUNDLE=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "tools/gpu-check.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
# What the checks run; the bundle holds exactly these.
BINARIES=(test_gpu vcc-bench vcc-bench-kernels)

# ---------------------------------------------------------------- the bundle (CPU machine)

# The shared libraries a binary needs that a bare machine may lack: everything ldd resolves
# except the C library's own parts (always there, and tied to the kernel ABI) and the CUDA
# libraries (the GPU machine's driver and toolkit provide them, and cuBLAS alone is larger
# than the whole bundle may be).
bundled_libraries() {
  ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u |
    grep -vE '/(libc|libm|libdl|libpthread|librt|ld-linux-x86-64|libresolv)\.so' |
    grep -vE '/lib(cuda|cudart|cublas|cublasLt|nccl|nvrtc|cudnn[a-z_]*)\.so'
}

make_bundle() {
  command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ] ||
    { echo "tools/gpu-check.sh: --make-bundle needs nvcc (the CUDA toolkit)" >&2; exit 2; }
  local start=$SECONDS
  # Portable (x86-64-v3) so that the GPU machine's CPU, whatever it is, runs it; SASS for
  # A100 and H100/H200 plus PTX.
  cmake -S . -B "$BUNDLE_BUILD" -DCMAKE_BUILD_TYPE=Release -DVCC_CUDA=ON -DVCC_NATIVE=OFF \
    -DCMAKE_CUDA_ARCHITECTURES="80;90" ${CMAKE_ARGS:-} >"$BUNDLE_BUILD.configure.log" 2>&1 ||
    { echo "tools/gpu-check.sh: configure failed, see $BUNDLE_BUILD.configure.log" >&2; exit 2; }
  cmake --build "$BUNDLE_BUILD" -j "${JOBS:-$(nproc)}" --target "${BINARIES[@]}" ||
    { echo "tools/gpu-check.sh: build failed" >&2; exit 2; }
  local stage
  stage=$(mktemp -d)
  mkdir -p "$stage/gpu-bundle/bin" "$stage/gpu-bundle/lib"
  for b in "${BINARIES[@]}"; do strip -o "$stage/gpu-bundle/bin/$b" "$BUNDLE_BUILD/bin/$b"; done
  for lib in $(bundled_libraries "${BINARIES[@]/#/$BUNDLE_BUILD/bin/}"); do
    cp -L "$lib" "$stage/gpu-bundle/lib/"
    strip --strip-unneeded "$stage/gpu-bundle/lib/$(basename "$lib")" 2>/dev/null || true
  done
  {
    echo "commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
    echo "made: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    echo "cuda: $( (nvcc --version || /usr/local/cuda/bin/nvcc --version) 2>/dev/null | tail -1)"
    echo "binaries: ${BINARIES[*]}"
    echo "needs from the GPU machine: $(ldd "$BUNDLE_BUILD/bin/test_gpu" | awk '$2 == "=>" {print $1}' |
      grep -E '^lib(cuda|cudart|cublas|cublasLt|nccl)' | tr '\n' ' ')"
  } >"$stage/gpu-bundle/MANIFEST"
  tar -C "$stage" -czf "$BUNDLE.tmp" gpu-bundle && mv "$BUNDLE.tmp" "$BUNDLE"
  rm -rf "$stage"
  local mb=$(( $(stat -c %s "$BUNDLE") / 1000000 ))
  echo "gpu-check: $BUNDLE: ${mb} MB ($(tar -tzf "$BUNDLE" | grep -c '/lib/.') libraries, ${#BINARIES[@]} binaries), $((SECONDS - start)) s"
  if [ "$mb" -ge "$BUNDLE_LIMIT_MB" ]; then
    echo "tools/gpu-check.sh: the bundle is ${mb} MB, over the ${BUNDLE_LIMIT_MB} MB a device run can carry" >&2
    exit 1
  fi
  exit 0
}

[ "$MAKE_BUNDLE" = 1 ] && make_bundle

# ---------------------------------------------------------------- the check (GPU machine)

gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ')
if [ "${gpus:-0}" -lt 1 ]; then
  echo "gpu-check: no GPU on this machine ($(command -v nvidia-smi >/dev/null && echo 'nvidia-smi lists none' || echo 'no nvidia-smi')): nothing to check"
  exit 3
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SUMMARY="$OUT/summary.md"
failed=0
rows=()
row() { rows+=("| $1 | $2 | $3 |"); }  # part, result, detail

# 1. Binaries.
if [ -f "$BUNDLE" ]; then
  rm -rf "$OUT/gpu-bundle"
  tar -C "$OUT" -xzf "$BUNDLE" || { echo "tools/gpu-check.sh: cannot unpack $BUNDLE" >&2; exit 2; }
  BIN="$OUT/gpu-bundle/bin"
  export LD_LIBRARY_PATH="$OUT/gpu-bundle/lib:/usr/local/cuda/lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  row "binaries" "bundle" "$(head -1 "$OUT/gpu-bundle/MANIFEST")"
else
  build=${GPU_BUILD:-build-gpu}
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DVCC_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=native \
    >"$OUT/build.log" 2>&1 && cmake --build "$build" -j "$(nproc)" --target "${BINARIES[@]}" >>"$OUT/build.log" 2>&1 ||
    { echo "tools/gpu-check.sh: no $BUNDLE and the build failed (see $OUT/build.log)" >&2; exit 2; }
  BIN="$build/bin"
  row "binaries" "built" "$build"
fi
for b in "${BINARIES[@]}"; do
  [ -x "$BIN/$b" ] || { echo "tools/gpu-check.sh: $BIN/$b missing" >&2; exit 2; }
done

# Runs a part with a time limit; its output goes to $OUT/NAME.log. Returns the exit status
# (124: out of time).
part() {  # part NAME SECONDS COMMAND...
  local name=$1 limit=$2; shift 2
  echo "== gpu-check: $name (limit ${limit}s)"
  timeout --kill-after=10 "$limit" "$@" >"$OUT/$name.log" 2>&1
}

# 2. The GPU test suite.
part tests 240 "$BIN/test_gpu" --gtest_output="xml:$OUT/test_gpu.xml"
rc=$?
counts=$(grep -oE '\[  (PASSED|FAILED|SKIPPED) +\] [0-9]+' "$OUT/tests.log" | awk '{print tolower($2), $4}' | tr '\n' ' ')
if [ $rc = 0 ]; then row "test_gpu" "passed" "$counts"; else row "test_gpu" "FAILED (exit $rc)" "$counts; tests.log"; failed=1; fi

if [ "$QUICK" = 0 ]; then
  # 3. The probe: step times (vcc-bench prints one JSON line last) and attention throughput.
  for precision in fp32 tf32 bf16; do
    part "bench-4k-$precision" 100 "$BIN/vcc-bench" --config configs/bench/roberta-base-4k.yaml --length 4096 \
      --steps 3 --warmup 1 --device cuda --precision "$precision"
    rc=$?
    json=$(tail -1 "$OUT/bench-4k-$precision.log")
    if [ $rc = 0 ] && [[ "$json" == "{"* ]]; then
      row "RoBERTa-base 4K step, $precision" "ok" "$(python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print("full %.0f ms (peak %.0f MiB), VCC %.0f ms (peak %.0f MiB), speed-up %.2fx" % (j["full_ms"], j["full_peak_mib"], j["vcc_ms"], j["vcc_peak_mib"], j["measured_speedup"]))' "$json" 2>/dev/null || echo "$json")"
    else
      row "RoBERTa-base 4K step, $precision" "FAILED (exit $rc)" "bench-4k-$precision.log"; failed=1
    fi
  done
  part attention 90 "$BIN/vcc-bench-kernels" --device cuda --lengths 4096 16384 --repeats 3
  rc=$?
  if [ $rc = 0 ]; then
    row "attention throughput" "ok" "$(grep -iE 'attention' "$OUT/attention.log" | tail -2 | tr '\n' ';' | tr -s ' ')"
  else
    row "attention throughput" "FAILED (exit $rc)" "attention.log"; failed=1
  fi

  # 4. compute-sanitizer on the kernels that index memory or synchronise within a block.
  sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)
  filter='*Attention*:*Index*:*Gather*:*Scatter*:*Embedding*:*VccTree*'
  if [ -n "$sanitizer" ]; then
    for tool in memcheck racecheck; do
      part "sanitizer-$tool" 120 "$sanitizer" --tool "$tool" --error-exitcode 99 "$BIN/test_gpu" --gtest_filter="$filter"
      rc=$?
      summary_line=$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$OUT/sanitizer-$tool.log" | tail -1)
      if [ $rc = 0 ]; then row "compute-sanitizer $tool" "clean" "${summary_line:-no errors}"
      else row "compute-sanitizer $tool" "FAILED (exit $rc)" "${summary_line:-sanitizer-$tool.log}"; failed=1; fi
    done
  else
    row "compute-sanitizer" "not run" "compute-sanitizer is not on this machine"
  fi
fi

# 5. The summary.
{
  echo "# GPU check, $(date -u +%Y-%m-%d\ %H:%M\ UTC)"
  echo
  echo "- GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1) ($gpus present)"
  echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown); logs in $OUT"
  echo
  echo "| part | result | detail |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Result: $([ $failed = 0 ] && echo 'every check passed' || echo 'some checks FAILED (see the logs named above)')"
} >"$SUMMARY"
cat "$SUMMARY"
exit $failed
