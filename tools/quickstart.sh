#!/usr/bin/env bash
# Fresh machine to a trained model: set up, build, then run the main job end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$(nproc)"
echo "quickstart: library built; kernel benchmark follows"
"$BUILD_DIR/bin/vcc-bench-kernels" --quick
