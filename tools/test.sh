#!/usr/bin/env bash
# Fresh machine to green tests: set up, configure, build, run every test with ctest.
#   tools/test.sh                 CPU build (CUDA files are compiled too when nvcc exists)
#   BUILD_DIR=build-x tools/test.sh
#   CTEST_ARGS="-L core" tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$JOBS"
cd "$BUILD_DIR"
# Tests pick their own thread counts where it matters; keep OpenBLAS from oversubscribing.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
ctest --output-on-failure -j "${CTEST_JOBS:-1}" ${CTEST_ARGS:-}
