#!/usr/bin/env bash
# Fresh machine to green tests: set up, configure, build, run every test with ctest.
# Two builds are tested: the native one (-march=native, what users run on the build machine;
# CUDA files too when nvcc exists) and the portable one (VCC_NATIVE=OFF: x86-64-v3 binaries
# for other machines, CPU only), since a compiler can be right for one and wrong for the other.
#   tools/test.sh                 both builds
#   tools/test.sh --native-only   the native build only (quicker while developing)
#   tools/test.sh --sanitize      also a clang build with AddressSanitizer + UBSan and the
#                                 libFuzzer harnesses: the whole suite under the sanitizers,
#                                 then tools/fuzz.sh: FUZZ_RUNS (1000) inputs per harness from a
#                                 fixed seed (the same inputs every run), or FUZZ_SECONDS each
#   BUILD_DIR=build-x tools/test.sh
#   CTEST_ARGS="-L core" tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
native_only=0
sanitize=0
for arg in "$@"; do
  case "$arg" in
    --native-only) native_only=1 ;;
    --sanitize) sanitize=1 ;;
    *) echo "tools/test.sh: unknown option '$arg' (expected --native-only or --sanitize)" >&2; exit 2 ;;
  esac
done
bash tools/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
# Tests pick their own thread counts where it matters; keep OpenBLAS from oversubscribing.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

build_and_test() {  # build_and_test DIR CMAKE_ARGS...
  local dir=$1; shift
  echo "== tools/test.sh: $dir ($*)"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@"
  cmake --build "$dir" -j "$JOBS"
  (cd "$dir" && ctest --output-on-failure -j "${CTEST_JOBS:-1}" ${CTEST_ARGS:-})
}

build_and_test "$BUILD_DIR" ${CMAKE_ARGS:-}
if [ "$native_only" = 0 ]; then
  build_and_test "$BUILD_DIR-portable" -DVCC_NATIVE=OFF -DVCC_CUDA=OFF
fi
if [ "$sanitize" = 1 ]; then
  # clang for libFuzzer; its OpenMP runtime is libomp (tools/setup.sh installs both).
  export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  build_and_test "$BUILD_DIR-sanitize" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DVCC_FUZZ=ON -DVCC_CUDA=OFF -DVCC_BUILD_BENCHMARKS=OFF
  if [ -n "${FUZZ_SECONDS:-}" ]; then budget=(--seconds "$FUZZ_SECONDS"); else budget=(--runs "${FUZZ_RUNS:-1000}"); fi
  tools/fuzz.sh --build "$BUILD_DIR-sanitize" "${budget[@]}" --out "$BUILD_DIR-sanitize/fuzz"
fi
