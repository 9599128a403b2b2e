#!/usr/bin/env bash
# VCC vs full attention on the synthetic long-context QA task (docs/experiments.md).
#
# Trains the small encoder (configs/experiments/synthetic-encoder.yaml, span head) and the
# small T5 (synthetic-t5.yaml, generated answers) from scratch with full attention and with
# VCC at each length of --lengths, and with VCC alone at --vcc-only-lengths: same seed, same
# steps, same data. Each run is scored on the held-out validation split with vcc-eval, and
# the FLOPs of a training step are counted with vcc-bench --flops-only. Writes
#   OUT/data/<task>-<length>/           the synthetic splits (vcc-preprocess synthetic)
#   OUT/runs/<model>-<attention>-<length>/   vcc-train runs (metrics.jsonl, train.log, checkpoints)
#   OUT/eval/<model>-<attention>-<length>/   vcc-eval outputs (metrics.json, predictions)
#   OUT/flops.jsonl                     FLOPs per training step, full and VCC, per length
#   OUT/results.json                    [{length, model, attention, em, f1, step_ms, peak_mib, ...}]
# then tools/experiments/report.py turns OUT into a Markdown report with PNG plots.
#
#   tools/experiments/vcc_vs_full.sh                       # the default sweep (about 30 min on 2 cores)
#   tools/experiments/vcc_vs_full.sh --steps 40 --lengths 2048 --vcc-only-lengths "" --out /tmp/smoke
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=runs/experiments/vcc-vs-full
BUILD=build
STEPS=150
BATCH=4
LENGTHS="2048 4096"
VCC_ONLY_LENGTHS="8192"
MODELS="encoder t5"
TRAIN=4000
VALID=200
FACTS=8
THREADS=0
REPORT=""

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; cat <<EOF
options (defaults in brackets):
  --out DIR                output folder [$OUT]
  --build DIR              CMake build folder holding bin/ [$BUILD]
  --steps N                training steps per run [$STEPS]
  --batch B                examples per step [$BATCH]
  --lengths "L ..."        lengths run with full attention and VCC [$LENGTHS]
  --vcc-only-lengths "L .." lengths run with VCC only [$VCC_ONLY_LENGTHS]
  --models "M ..."         encoder and/or t5 [$MODELS]
  --train N / --valid N    synthetic examples per split [$TRAIN / $VALID]
  --facts F                facts per document (chance EM = 100/F %) [$FACTS]
  --threads T              threads per run, 0 = all cores [$THREADS]
  --report FILE.md         also write the report there (PNGs beside it)
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --steps) STEPS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --lengths) LENGTHS=$2; shift 2 ;;
    --vcc-only-lengths) VCC_ONLY_LENGTHS=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    --train) TRAIN=$2; shift 2 ;;
    --valid) VALID=$2; shift 2 ;;
    --facts) FACTS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --report) REPORT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "vcc_vs_full.sh: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

BIN=$BUILD/bin
for tool in vcc-preprocess vcc-train vcc-eval vcc-bench; do
  if [ ! -x "$BIN/$tool" ]; then
    echo "vcc_vs_full.sh: $BIN/$tool not found: building (cmake -B $BUILD -DCMAKE_BUILD_TYPE=Release)" >&2
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" -j"$(nproc)" --target vcc-preprocess vcc-train vcc-eval vcc-bench >/dev/null
    break
  fi
done

mkdir -p "$OUT"
start=$(date +%s)
log() { printf '[%s +%4ds] %s\n' "$(date +%H:%M:%S)" $(( $(date +%s) - start )) "$*"; }

# One split folder per task and length; the documents are the same for both tasks.
make_data() {  # task length
  local task=$1 length=$2 dir="$OUT/data/$1-$2"
  [ -f "$dir/valid.h5" ] && return 0
  local extra=()
  [ "$task" = seq2seq ] && extra=(--max-target-length 2)
  "$BIN/vcc-preprocess" synthetic --out-dir "$dir" --length "$length" --train "$TRAIN" --valid "$VALID" --seed 1 \
      --facts "$FACTS" --near-miss 0.5 --depth-min 0 --depth-max 1 --task "$task" --no-jsonl --quiet "${extra[@]}" >/dev/null
}

config_of() { echo "configs/experiments/synthetic-$1.yaml"; }
task_of() { [ "$1" = encoder ] && echo qa_extractive || echo seq2seq; }

# Train and evaluate one (model, attention, length); a finished run is kept (delete it to redo).
run_one() {  # model attention length
  local model=$1 attention=$2 length=$3
  local name="$model-$attention-$length" data="$OUT/data/$(task_of "$model")-$length"
  local run="$OUT/runs/$name" eval="$OUT/eval/$name"
  make_data "$(task_of "$model")" "$length"
  local switch=(model.vcc.enabled=false)
  [ "$attention" = vcc ] && switch=(model.vcc.enabled=true)
  if [ ! -f "$eval/metrics.json" ]; then
    rm -rf "$run" "$eval"
    log "train $name ($STEPS steps of $BATCH x $length tokens)"
    "$BIN/vcc-train" --config "$(config_of "$model")" --set "${switch[@]}" \
        data.train="$data/train.h5" data.valid="$data/valid.h5" data.tokenizer="$data/tokenizer.model" \
        train.run_dir="$run" train.max_steps="$STEPS" train.batch_size="$BATCH" train.threads="$THREADS" \
        >"$OUT/$name.train.out" 2>&1 || { echo "vcc_vs_full.sh: error: training $name failed, see $OUT/$name.train.out" >&2; tail -3 "$OUT/$name.train.out" >&2; exit 1; }
    log "eval $name"
    "$BIN/vcc-eval" run --model "$run/last" --data "$data/valid.h5" --out "$eval" --threads "$THREADS" --quiet \
        >"$OUT/$name.eval.out" 2>&1 || { echo "vcc_vs_full.sh: error: evaluating $name failed, see $OUT/$name.eval.out" >&2; exit 1; }
  fi
  log "$name: $(tr -d " \n" <"$eval/metrics.json" | grep -o "\"em\":[0-9.]*,\"f1\":[0-9.]*")"
}

FLOPS="$OUT/flops.jsonl"
: >"$FLOPS.tmp"
for model in $MODELS; do
  for length in $LENGTHS $VCC_ONLY_LENGTHS; do
    "$BIN/vcc-bench" --config "$(config_of "$model")" --length "$length" --flops-only --set model.vcc.enabled=true |
        tail -1 | sed "s/^{/{\"model\":\"$model\",/" >>"$FLOPS.tmp"
  done
done
mv "$FLOPS.tmp" "$FLOPS"

for model in $MODELS; do
  for length in $LENGTHS; do
    run_one "$model" full "$length"
    run_one "$model" vcc "$length"
  done
  for length in $VCC_ONLY_LENGTHS; do run_one "$model" vcc "$length"; done
done

PY=${PYTHON:-python3}
"$PY" tools/experiments/collect_results.py "$OUT" --facts "$FACTS"
if [ -n "$REPORT" ]; then
  "$PY" tools/experiments/report.py "$OUT" --out "$REPORT" \
      --command "tools/experiments/vcc_vs_full.sh --out $OUT --steps $STEPS --batch $BATCH --lengths \"$LENGTHS\" --vcc-only-lengths \"$VCC_ONLY_LENGTHS\" --models \"$MODELS\" --facts $FACTS"
fi
log "done: $OUT/results.json"
