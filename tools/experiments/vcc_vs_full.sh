#!/usr/bin/env bash
# VCC vs full attention on the synthetic long-context QA task (docs/experiments.md).
#
# As the paper fine-tunes pretrained models (VCC's after continued pretraining with VCC), each
# model goes through three stages: the small encoder (configs/experiments/synthetic-encoder.yaml,
# span head) and the small T5 (synthetic-t5.yaml, generated answers) are
#   1. pretrained on short documents (--pretrain-length tokens, full attention), once;
#   2. adapted on --adapt-length documents in two branches from that checkpoint, one with full
#      attention and one with VCC (same steps, same batches): each attention's own "pretrained"
#      model, as the paper continues pretraining with VCC;
#      The VCC branch then continues at --vcc-long-adapt-length for --vcc-long-adapt-steps
#      (its selection learns to work at a compression closer to the fine-tuning lengths'); the
#      same stage with full attention would cost about 7x as much and is not run (the report
#      gives each branch's total training time);
#   3. fine-tuned from its branch with full attention and with VCC at each length of --lengths,
#      and with VCC alone at --vcc-only-lengths: same seed, same steps, same data. Each run is scored on the held-out validation split with vcc-eval,
# and the FLOPs of a training step are counted with vcc-bench --flops-only. Writes
#   OUT/data/<task>-<length>/           the synthetic splits (vcc-preprocess synthetic --answer fact)
#   OUT/runs/<model>-pretrain-<length>/ stage 1
#   OUT/runs/<model>-adapt_<attention>-<length>/ stage 2
#   OUT/runs/<model>-<attention>-<length>/   vcc-train runs (metrics.jsonl, train.log, checkpoints)
#   OUT/eval/<model>-<attention>-<length>/   vcc-eval outputs (metrics.json, predictions)
#   OUT/eval/<model>-<attention>-<length>-start/  the branch's checkpoint before stage 3 (--before-fine-tuning)
#   OUT/flops.jsonl                     FLOPs per training step, full and VCC, per length
#   OUT/results.json                    [{length, model, attention, em, f1, step_ms, peak_mib, ...}]
# then tools/experiments/report.py turns OUT into a Markdown report with PNG plots.
#
#   tools/experiments/vcc_vs_full.sh --report docs/experiments.md   # the encoder comparison (55 min on 2 cores)
#   tools/experiments/vcc_vs_full.sh --ablation --before-fine-tuning --report docs/experiments.md
#                                     # then, reusing those runs: + the VCC ablation (15 min), starting checkpoints (about 10 min)
#   tools/experiments/vcc_vs_full.sh --models "encoder t5"   # + the small T5 (not learned at this budget)
#   tools/experiments/vcc_vs_full.sh --steps 40 --lengths 2048 --vcc-only-lengths "" --out /tmp/smoke
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=runs/experiments/vcc-vs-full
BUILD=build
STEPS=400
BATCH=4
PRETRAIN_LENGTH=128
PRETRAIN_FACTS=4
PRETRAIN_STEPS=4000
PRETRAIN_BATCH=16
ADAPT_LENGTH=512
ADAPT_STEPS=1000
LONG_ADAPT_LENGTH=2048
LONG_ADAPT_STEPS=500
LENGTHS="2048 4096"
VCC_ONLY_LENGTHS="8192"
MODELS="encoder"
TRAIN=4000
VALID=1000
FACTS=8
THREADS=0
REPORT=""
REPORT_EXTRA=()
ABLATION=""
BEFORE=""
ABLATION_LENGTH=4096

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; cat <<EOF
options (defaults in brackets):
  --out DIR                output folder [$OUT]
  --build DIR              CMake build folder holding bin/ [$BUILD]
  --steps N                training steps per run [$STEPS]
  --batch B                examples per step [$BATCH]
  --pretrain-length L      length of the short-document stage [$PRETRAIN_LENGTH]
  --pretrain-facts F       facts per short document [$PRETRAIN_FACTS]
  --pretrain-steps N       its steps (batch $PRETRAIN_BATCH) [$PRETRAIN_STEPS]
  --adapt-length L         length of the adaptation stage [$ADAPT_LENGTH]
  --adapt-steps N          its steps (batch $PRETRAIN_BATCH) per attention [$ADAPT_STEPS]
  --vcc-long-adapt-length L  then the VCC branch's adaptation at this length [$LONG_ADAPT_LENGTH]
  --vcc-long-adapt-steps N   its steps (batch $PRETRAIN_BATCH; 0 = none) [$LONG_ADAPT_STEPS]
  --lengths "L ..."        lengths run with full attention and VCC [$LENGTHS]
  --vcc-only-lengths "L .." lengths run with VCC only [$VCC_ONLY_LENGTHS]
  --models "M ..."         encoder and/or t5 [$MODELS]
  --train N / --valid N    synthetic examples per split [$TRAIN / $VALID]
  --facts F                facts per document (chance EM = 100/F %) [$FACTS]
  --threads T              threads per run, 0 = all cores [$THREADS]
  --report FILE.md         also write the report there (PNGs beside it)
  --report-extra T=F.md    append F.md to the report as section T (repeatable)
  --ablation               also fine-tune the encoder with VCC at --ablation-length with other
                           fine_blocks (k), block_size (b) and explore_prob values, one at a time
  --ablation-length L      [$ABLATION_LENGTH]
  --before-fine-tuning     also score each branch's starting checkpoint at each length (stage 2's
                           last checkpoint, before stage 3): what fine-tuning itself adds
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --steps) STEPS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --pretrain-length) PRETRAIN_LENGTH=$2; shift 2 ;;
    --pretrain-facts) PRETRAIN_FACTS=$2; shift 2 ;;
    --pretrain-steps) PRETRAIN_STEPS=$2; shift 2 ;;
    --adapt-length) ADAPT_LENGTH=$2; shift 2 ;;
    --adapt-steps) ADAPT_STEPS=$2; shift 2 ;;
    --vcc-long-adapt-length) LONG_ADAPT_LENGTH=$2; shift 2 ;;
    --vcc-long-adapt-steps) LONG_ADAPT_STEPS=$2; shift 2 ;;
    --lengths) LENGTHS=$2; shift 2 ;;
    --vcc-only-lengths) VCC_ONLY_LENGTHS=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    --train) TRAIN=$2; shift 2 ;;
    --valid) VALID=$2; shift 2 ;;
    --facts) FACTS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --report) REPORT=$2; shift 2 ;;
    --report-extra) REPORT_EXTRA+=(--extra "$2"); shift 2 ;;
    --ablation) ABLATION=1; shift ;;
    --ablation-length) ABLATION_LENGTH=$2; shift 2 ;;
    --before-fine-tuning) BEFORE=1; shift ;;
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
  local train=$TRAIN facts=$FACTS
  if [ "$length" = "$PRETRAIN_LENGTH" ]; then train=$(( PRETRAIN_STEPS * PRETRAIN_BATCH )); facts=$PRETRAIN_FACTS; fi
  [ "$length" = "$ADAPT_LENGTH" ] && train=$(( ADAPT_STEPS * PRETRAIN_BATCH ))
  "$BIN/vcc-preprocess" synthetic --out-dir "$dir" --length "$length" --train "$train" --valid "$VALID" --seed 1 \
      --facts "$facts" --near-miss 0.5 --depth-min 0 --depth-max 1 --answer fact --task "$task" \
      --max-target-length 4 --no-jsonl --quiet >/dev/null
}

config_of() { echo "configs/experiments/synthetic-$1.yaml"; }
task_of() { [ "$1" = encoder ] && echo qa_extractive || echo seq2seq; }

train() {  # name log vcc-train options...
  local name=$1 out=$2
  shift 2
  "$BIN/vcc-train" "$@" >"$out" 2>&1 ||
    { echo "vcc_vs_full.sh: error: training $name failed, see $out:" >&2; tail -3 "$out" >&2; exit 1; }
}

# A stage before the long runs (pretrain or adapt_<attention>), trained with batch
# $PRETRAIN_BATCH and kept once finished. Extra vcc-train options follow the length and steps.
stage() {  # model stage length steps vcc-train options...
  local model=$1 kind=${2%%_*} name="$1-$2-$3" length=$3 steps=$4 data="$OUT/data/$(task_of "$1")-$3"
  local run="$OUT/runs/$name"
  shift 4
  make_data "$(task_of "$model")" "$length"
  if [ ! -e "$run/done" ]; then
    rm -rf "$run"
    log "$kind $name ($steps steps of $PRETRAIN_BATCH x $length tokens)"
    train "$name" "$OUT/$name.train.out" --config "$(config_of "$model")" --set \
        data.train="$data/train.h5" data.valid="$data/valid.h5" data.tokenizer="$data/tokenizer.model" \
        train.run_dir="$run" train.max_steps="$steps" train.batch_size="$PRETRAIN_BATCH" \
        train.threads="$THREADS" valid.every_steps=250 checkpoint.every_steps=500 "$@"
    touch "$run/done"
  fi
  log "$name: validation $(grep '"type":"valid"' "$run/metrics.jsonl" | tail -1 | grep -o '"em":[0-9.]*')"
}

# Stage 1: short documents, full attention, from a fresh initialisation.
pretrain() {  # model
  stage "$1" pretrain "$PRETRAIN_LENGTH" "$PRETRAIN_STEPS" model.vcc.enabled=false optim.lr=1e-3 \
      schedule.warmup_steps=100
}

# Stage 2: one attention (full or vcc) from the stage-1 checkpoint.
adapt() {  # model attention
  stage "$1" "adapt_$2" "$ADAPT_LENGTH" "$ADAPT_STEPS" \
      model.vcc.enabled=$([ "$2" = vcc ] && echo true || echo false) \
      train.init_from="$OUT/runs/$1-pretrain-$PRETRAIN_LENGTH/last"
  if [ "$2" = vcc ] && [ "$LONG_ADAPT_STEPS" -gt 0 ]; then
    stage "$1" adapt_vcc "$LONG_ADAPT_LENGTH" "$LONG_ADAPT_STEPS" model.vcc.enabled=true \
        train.init_from="$OUT/runs/$1-adapt_vcc-$ADAPT_LENGTH/last"
  fi
}

branch_start() {  # model attention: the checkpoint a branch's fine-tuning starts from
  if [ "$2" = vcc ] && [ "$LONG_ADAPT_STEPS" -gt 0 ]; then
    echo "$OUT/runs/$1-adapt_vcc-$LONG_ADAPT_LENGTH/last"
  else
    echo "$OUT/runs/$1-adapt_$2-$ADAPT_LENGTH/last"
  fi
}

# Fine-tune and evaluate one (model, attention, length) from the model's adaptation
# checkpoint for that attention; a finished run is kept (delete it to redo). attention: full, vcc, or
# vcc+KEY=VALUE (an ablation: model.vcc.KEY=VALUE).
run_one() {  # model attention length
  local model=$1 attention=$2 length=$3
  local name="$model-$attention-$length" data="$OUT/data/$(task_of "$model")-$length"
  local run="$OUT/runs/$name" eval="$OUT/eval/$name"
  make_data "$(task_of "$model")" "$length"
  local switch=(model.vcc.enabled=false)
  case "$attention" in
    vcc) switch=(model.vcc.enabled=true) ;;
    vcc+*) switch=(model.vcc.enabled=true "model.vcc.${attention#vcc+}") ;;
  esac
  if [ ! -f "$eval/metrics.json" ]; then
    rm -rf "$run" "$eval"
    log "train $name ($STEPS steps of $BATCH x $length tokens)"
    train "$name" "$OUT/$name.train.out" --config "$(config_of "$model")" --set "${switch[@]}" \
        data.train="$data/train.h5" data.valid="$data/valid.h5" data.tokenizer="$data/tokenizer.model" \
        train.run_dir="$run" train.max_steps="$STEPS" train.batch_size="$BATCH" train.threads="$THREADS" \
        train.init_from="$(branch_start "$model" "${attention%%+*}")"
    log "eval $name"
    "$BIN/vcc-eval" run --model "$run/last" --data "$data/valid.h5" --out "$eval" --threads "$THREADS" --quiet \
        >"$OUT/$name.eval.out" 2>&1 || { echo "vcc_vs_full.sh: error: evaluating $name failed, see $OUT/$name.eval.out" >&2; exit 1; }
  fi
  log "$name: $(tr -d " \n" <"$eval/metrics.json" | grep -o "\"em\":[0-9.]*,\"f1\":[0-9.]*")"
}

eval_start() {  # model attention length: the branch's starting checkpoint scored at this length
  local model=$1 attention=$2 length=$3 name="$1-$2-$3-start" data="$OUT/data/$(task_of "$1")-$3"
  local eval="$OUT/eval/$name"
  if [ ! -f "$eval/metrics.json" ]; then
    log "eval $name (the $attention branch before fine-tuning)"
    "$BIN/vcc-eval" run --model "$(branch_start "$model" "$attention")" --data "$data/valid.h5" --out "$eval" \
        --threads "$THREADS" --quiet >"$OUT/$name.eval.out" 2>&1 ||
      { echo "vcc_vs_full.sh: error: evaluating $name failed, see $OUT/$name.eval.out" >&2; exit 1; }
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

each_run() {  # function model: calls `function model attention length` for every run of the comparison
  local fn=$1 model=$2 length
  for length in $LENGTHS; do
    "$fn" "$model" full "$length"
    "$fn" "$model" vcc "$length"
  done
  for length in $VCC_ONLY_LENGTHS; do "$fn" "$model" vcc "$length"; done
}

for model in $MODELS; do
  pretrain "$model"
  adapt "$model" full
  adapt "$model" vcc
  each_run run_one "$model"
done

if [ -n "$ABLATION" ]; then
  pretrain encoder
  adapt encoder vcc
  for setting in fine_blocks=16 fine_blocks=32 block_size=8 \
                 explore_prob=0 explore_prob=0.3; do
    run_one encoder "vcc+$setting" "$ABLATION_LENGTH"
  done
fi

if [ -n "$BEFORE" ]; then
  for model in $MODELS; do each_run eval_start "$model"; done
fi

# A Python with matplotlib for the plots: $PYTHON, the one on PATH, else Debian's.
PY=${PYTHON:-python3}
if [ -n "$REPORT" ] && ! "$PY" -c "import matplotlib" 2>/dev/null && /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  PY=/usr/bin/python3
fi
"$PY" tools/experiments/collect_results.py "$OUT" --facts "$FACTS"
if [ -n "$REPORT" ]; then
  "$PY" tools/experiments/report.py "$OUT" --out "$REPORT" "${REPORT_EXTRA[@]}" \
      --command "tools/experiments/vcc_vs_full.sh --out $OUT --steps $STEPS --batch $BATCH --pretrain-length $PRETRAIN_LENGTH --pretrain-facts $PRETRAIN_FACTS --pretrain-steps $PRETRAIN_STEPS --adapt-length $ADAPT_LENGTH --adapt-steps $ADAPT_STEPS --vcc-long-adapt-length $LONG_ADAPT_LENGTH --vcc-long-adapt-steps $LONG_ADAPT_STEPS --lengths \"$LENGTHS\" --vcc-only-lengths \"$VCC_ONLY_LENGTHS\" --models \"$MODELS\" --facts $FACTS${ABLATION:+ --ablation --ablation-length $ABLATION_LENGTH}${BEFORE:+ --before-fine-tuning}"
fi
log "done: $OUT/results.json"
