#!/usr/bin/env bash
# Quick start: from a fresh clone to a trained and evaluated VCC model on the synthetic
# long-document task, in a few minutes on a small CPU.
#   1. install the Debian packages (tools/setup.sh) and matplotlib for the plot
#   2. build vcc-preprocess, vcc-train, vcc-eval
#   3. generate the task: 512-token documents with 8 key-value facts, "what is KEY ?"
#   4. train a tiny VCC encoder (configs/tiny-synthetic-vcc.yaml)
#   5. evaluate it with vcc-eval run, print the metrics, draw the curves
# Everything lands in $OUT (default runs/quickstart). Environment: BUILD_DIR (build),
# OUT, STEPS (training steps, default 600), CMAKE_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
say() { printf '\n== quickstart [%ds]: %s\n' "$(( $(date +%s) - start ))" "$*"; }

BUILD_DIR=${BUILD_DIR:-build}
OUT=${OUT:-runs/quickstart}
STEPS=${STEPS:-600}
FACTS=8

say "setting up (tools/setup.sh)"
bash tools/setup.sh
# A Python with matplotlib for the plot: the one on PATH, else Debian's (installed if needed).
PY=python3
if ! "$PY" -c "import matplotlib" 2>/dev/null; then
  if ! /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
    SUDO=""; if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-matplotlib >/dev/null ||
      echo "quickstart: python3-matplotlib could not be installed; the plot will be skipped"
  fi
  PY=/usr/bin/python3
fi

say "building vcc-preprocess, vcc-train, vcc-eval in $BUILD_DIR"
# The quick start runs on the CPU: skip compiling the CUDA backend (CMAKE_ARGS=-DVCC_CUDA=AUTO to keep it).
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:--DVCC_CUDA=OFF} >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target vcc-preprocess vcc-train vcc-eval
B="$BUILD_DIR/bin"

say "generating the synthetic task in $OUT/data"
rm -rf "$OUT"
mkdir -p "$OUT"
"$B/vcc-preprocess" synthetic --out-dir "$OUT/data" --length 512 --train 2000 --valid 200 --seed 1 \
  --facts "$FACTS" --quiet

say "training a tiny VCC model for $STEPS steps (configs/tiny-synthetic-vcc.yaml)"
"$B/vcc-train" --config configs/tiny-synthetic-vcc.yaml --set \
  train.run_dir="$OUT/run" train.max_steps="$STEPS" \
  data.train="$OUT/data/train.h5" data.valid="$OUT/data/valid.h5" data.tokenizer="$OUT/data/tokenizer.model"

say "evaluating the best checkpoint on the validation split"
"$B/vcc-eval" run --model "$OUT/run/best" --data "$OUT/data/valid.h5" --out "$OUT/eval" > "$OUT/eval.json"

plot="(matplotlib missing: no plot)"
if "$PY" -c "import matplotlib" 2>/dev/null; then
  plot=$("$PY" tools/plot_metrics.py "$OUT/run" --out "$OUT/metrics.png")
fi

# Chance = the best EM of question-blind rules fitted on the training split (position, value
# and look-alike-key priors; tools/synthetic_chance.py), not 1 / facts.
chance=$(python3 tools/synthetic_chance.py "$OUT/data/train.jsonl" "$OUT/data/valid.jsonl" --json)

"$PY" - "$OUT/eval/metrics.json" "$FACTS" "$(( $(date +%s) - start ))" "$plot" "$chance" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
facts, seconds, plot, chance = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], json.loads(sys.argv[5])
print()
print("== quickstart: done in %dm%02ds" % (seconds // 60, seconds % 60))
print("   validation EM %.1f  F1 %.1f  on %d examples" % (m["em"], m["f1"], m["examples"]))
print("   chance EM %.1f: the best question-blind rule (%s; %s)"
      % (chance["chance"], chance["best_rule"], ", ".join("%s %.1f" % kv for kv in chance["em"].items())))
print("   predictions:", sys.argv[1].rsplit("/", 1)[0] + "/predictions.json")
print("   curves:     ", plot)
EOF
