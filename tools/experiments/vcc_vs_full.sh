#!/usr/bin/env bash
# VCC vs full attention on the synthetic long-context QA task (docs/experiments.md).
#
# The task (vcc-preprocess synthetic, docs/data.md): "what is KEY ?" at the front, the answer
# the fact "KEY : VALUE" anywhere in the document among --facts facts (no position prior, no
# look-alike keys: question-blind rules score about 100 / facts, tools/synthetic_chance.py).
#
# Three disjoint splits per length: train and validation (generator seed 1) and a test split
# (seed 2). Every choice -- the checkpoint of each run (best validation EM), the full-attention
# length of the equal-time comparison (measured step times), and the settings of this script
# (chosen on earlier validation runs) -- looks at validation or at timings only. The test split
# is scored once per run, at the end, with vcc-eval; the report gives 95% bootstrap intervals
# over its questions.
#
# As the paper fine-tunes pretrained models (VCC's after continued pretraining with VCC), each
# model goes through three stages, the same for both attentions:
#   1. pretraining on --pretrain-length documents with full attention (shared);
#   2. adaptation on --adapt-length documents, in two branches from stage 1: full attention and
#      VCC (same steps, same batches);
#   3. fine-tuning from its own branch:
#      - equal length: full attention and VCC at each length of --lengths;
#      - equal time: VCC at each length of --equal-time-lengths, against full attention at the
#        longest length of --full-candidates whose training step is no slower than VCC's
#        (vcc-bench, batch 1). That full model reads the same test documents cut to its length,
#        as a model limited to that length would: the paper's claim is that at equal cost VCC
#        reads more of the input.
#      Same seed, same steps, same batch size in every run.
# Writes, under --out:
#   data/<task>-<length>[-test]/   the splits;  runs/<name>/  vcc-train runs;  eval/<name>/  vcc-eval outputs
#   partners.jsonl                 the step times behind each equal-time pairing
#   flops.jsonl                    matrix-product FLOPs per training step, per length
#   results.json, runs/*.json      (tools/experiments/collect_results.py) the summaries
# and with --publish DIR, copies the summaries and writes the report (tools/experiments/report.py)
# to DIR.md, its plots beside it.
#
#   tools/experiments/vcc_vs_full.sh --publish docs/experiments                  # the published run
#   tools/experiments/vcc_vs_full.sh --steps 20 --pretrain-steps 50 --adapt-steps 20 \
#       --lengths 1024 --equal-time-lengths 2048 --full-candidates "512 1024" --valid 40 --test 50 \
#       --out /tmp/smoke                                                          # a smoke test
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
LENGTHS="2048 4096"
EQUAL_TIME_LENGTHS="8192 16384"
FULL_CANDIDATES="1024 2048 3072 4096 6144 8192"
MODELS="encoder"
VALID=200
TEST=1000
FACTS=8
THREADS=0
PUBLISH=""

usage() { sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; cat <<EOF
options (defaults in brackets):
  --out DIR                output folder [$OUT]
  --build DIR              CMake build folder holding bin/ [$BUILD]
  --steps N                fine-tuning steps per run [$STEPS]
  --batch B                examples per fine-tuning step [$BATCH]
  --pretrain-length L      length of stage 1 [$PRETRAIN_LENGTH]
  --pretrain-facts F       facts per stage-1 document [$PRETRAIN_FACTS]
  --pretrain-steps N       stage-1 steps (batch $PRETRAIN_BATCH) [$PRETRAIN_STEPS]
  --adapt-length L         length of stage 2 [$ADAPT_LENGTH]
  --adapt-steps N          stage-2 steps (batch $PRETRAIN_BATCH) per attention [$ADAPT_STEPS]
  --lengths "L ..."        equal-length comparison lengths [$LENGTHS]
  --equal-time-lengths "L ..."  VCC lengths of the equal-time comparison [$EQUAL_TIME_LENGTHS]
  --full-candidates "L ..."     full-attention lengths it may pick from [$FULL_CANDIDATES]
  --models "M ..."         encoder and/or t5 [$MODELS]
  --valid N                validation questions per length (checkpoint choice) [$VALID]
  --test N                 test questions per length (the reported scores) [$TEST]
  --facts F                facts per document [$FACTS]
  --threads T              threads per run, 0 = all cores [$THREADS]
  --publish DIR            write DIR/results.json, DIR/runs/*.json, DIR.md and DIR-*.png
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
    --lengths) LENGTHS=$2; shift 2 ;;
    --equal-time-lengths) EQUAL_TIME_LENGTHS=$2; shift 2 ;;
    --full-candidates) FULL_CANDIDATES=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    --valid) VALID=$2; shift 2 ;;
    --test) TEST=$2; shift 2 ;;
    --facts) FACTS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --publish) PUBLISH=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "vcc_vs_full.sh: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
COMMAND="tools/experiments/vcc_vs_full.sh --build $BUILD --threads $THREADS --steps $STEPS --batch $BATCH --pretrain-length $PRETRAIN_LENGTH --pretrain-facts $PRETRAIN_FACTS --pretrain-steps $PRETRAIN_STEPS --adapt-length $ADAPT_LENGTH --adapt-steps $ADAPT_STEPS --lengths \"$LENGTHS\" --equal-time-lengths \"$EQUAL_TIME_LENGTHS\" --full-candidates \"$FULL_CANDIDATES\" --models \"$MODELS\" --valid $VALID --test $TEST --facts $FACTS"

BIN=$BUILD/bin
for tool in vcc-preprocess vcc-train vcc-eval vcc-bench; do
  if [ ! -x "$BIN/$tool" ]; then
    echo "vcc_vs_full.sh: $BIN/$tool not found: building (cmake -B $BUILD -DCMAKE_BUILD_TYPE=Release)" >&2
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DVCC_CUDA=OFF >/dev/null
    cmake --build "$BUILD" -j"$(nproc)" --target vcc-preprocess vcc-train vcc-eval vcc-bench >/dev/null
    break
  fi
done
# A Python with matplotlib (and numpy) for the summaries and plots: $PYTHON, python3, else Debian's.
PY=${PYTHON:-python3}
if ! "$PY" -c "import matplotlib, numpy" 2>/dev/null && /usr/bin/python3 -c "import matplotlib, numpy" 2>/dev/null; then
  PY=/usr/bin/python3
fi
"$PY" -c "import numpy" 2>/dev/null ||
  { echo "vcc_vs_full.sh: error: $PY has no numpy (apt-get install python3-matplotlib)" >&2; exit 1; }
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

mkdir -p "$OUT"
start=$(date +%s)
log() { printf '[%s +%4ds] %s\n' "$(date +%H:%M:%S)" $(( $(date +%s) - start )) "$*"; }
fail() { echo "vcc_vs_full.sh: error: $*" >&2; exit 1; }

config_of() { echo "configs/experiments/synthetic-$1.yaml"; }
task_of() { [ "$1" = encoder ] && echo qa_extractive || echo seq2seq; }
vcc_switch() { echo "model.vcc.enabled=$([ "$1" = vcc ] && echo true || echo false)"; }  # attention

# The splits of one task and length: train + validation (seed 1) in data/<task>-<length>, the
# test split (seed 2, its validation part; the one training example is unused) in ...-test.
# JSON lines are kept for the test split (truncated copies, chance) and for one training split
# (chance is fitted there).
make_data() {  # task length
  local task=$1 length=$2 dir="$OUT/data/$1-$2" train=$(( STEPS * BATCH )) facts=$FACTS
  [ "$length" = "$PRETRAIN_LENGTH" ] && { train=$(( PRETRAIN_STEPS * PRETRAIN_BATCH )); facts=$PRETRAIN_FACTS; }
  [ "$length" = "$ADAPT_LENGTH" ] && train=$(( ADAPT_STEPS * PRETRAIN_BATCH ))
  local common=(--length "$length" --facts "$facts" --near-miss 0 --depth-min 0 --depth-max 1 --answer fact
                --task "$task" --max-target-length 4 --quiet)
  if [ ! -f "$dir/valid.h5" ]; then
    local jsonl=(--no-jsonl)
    [ "$length" = "$ADAPT_LENGTH" ] && jsonl=()
    "$BIN/vcc-preprocess" synthetic --out-dir "$dir.tmp" --train "$train" --valid "$VALID" --seed 1 "${common[@]}" \
        "${jsonl[@]}" >/dev/null || fail "generating $dir failed"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  if [ "$length" != "$PRETRAIN_LENGTH" ] && [ ! -f "$dir-test/valid.h5" ]; then
    "$BIN/vcc-preprocess" synthetic --out-dir "$dir-test.tmp" --train 1 --valid "$TEST" --seed 2 "${common[@]}" \
        >/dev/null || fail "generating $dir-test failed"
    rm -rf "$dir-test" && mv "$dir-test.tmp" "$dir-test"
  fi
}

# The test split of `length`, each input cut to its first `cut` tokens (vcc-preprocess qa-jsonl
# --overflow truncate): what a model limited to `cut` tokens reads. A question whose fact lies
# beyond the cut stays in the split, with its answer.
truncated_test() {  # task length cut -> prints the file
  local dir="$OUT/data/$1-$2-test" file="$OUT/data/$1-$2-test/valid-cut-$3.h5"
  if [ ! -f "$file" ]; then
    "$BIN/vcc-preprocess" qa-jsonl --input "$dir/valid.jsonl" --tokenizer "$dir/tokenizer.model" --out "$file" \
        --max-length "$3" --overflow truncate --task "$1" --max-target-length 4 --quiet >"$file.log" 2>&1 ||
      fail "cutting $dir/valid.jsonl to $3 tokens failed, see $file.log"
  fi
  echo "$file"
}

train() {  # name vcc-train options...
  local name=$1
  shift
  "$BIN/vcc-train" "$@" >"$OUT/$name.train.out" 2>&1 ||
    { echo "vcc_vs_full.sh: error: training $name failed, see $OUT/$name.train.out:" >&2; tail -3 "$OUT/$name.train.out" >&2; exit 1; }
}

evaluate() {  # name checkpoint data.h5 -> OUT/eval/<name>/{metrics.json, per_example.jsonl}
  local name=$1 eval="$OUT/eval/$1"
  [ -f "$eval/per_example.jsonl" ] && return 0
  rm -rf "$eval"
  log "test $name"
  "$BIN/vcc-eval" run --model "$2" --data "$3" --out "$eval" --threads "$THREADS" --quiet >"$OUT/$name.eval.out" 2>&1 &&
    "$BIN/vcc-eval" score --input "$eval/predictions.jsonl" --metrics squad --per-example "$eval/per_example.jsonl.tmp" \
        >>"$OUT/$name.eval.out" 2>&1 && mv "$eval/per_example.jsonl.tmp" "$eval/per_example.jsonl" ||
    fail "evaluating $name failed, see $OUT/$name.eval.out"
  log "$name: test $(tr -d " \n" <"$eval/metrics.json" | grep -o "\"em\":[0-9.]*,\"f1\":[0-9.]*")"
}

# A stage before fine-tuning (pretrain, adapt_full, adapt_vcc), batch $PRETRAIN_BATCH, kept once finished.
stage() {  # model stage length steps vcc-train options...
  local model=$1 name="$1-$2-$3" length=$3 steps=$4 data="$OUT/data/$(task_of "$1")-$3"
  local run="$OUT/runs/$name"
  shift 4
  make_data "$(task_of "$model")" "$length"
  if [ ! -e "$run/done" ]; then
    rm -rf "$run"
    log "stage $name ($steps steps of $PRETRAIN_BATCH x $length tokens)"
    train "$name" --config "$(config_of "$model")" --set \
        data.train="$data/train.h5" data.valid="$data/valid.h5" data.tokenizer="$data/tokenizer.model" \
        train.run_dir="$run" train.max_steps="$steps" train.batch_size="$PRETRAIN_BATCH" \
        train.threads="$THREADS" valid.every_steps=250 valid.max_examples="$VALID" checkpoint.every_steps=500 "$@"
    touch "$run/done"
  fi
  log "$name: validation $(grep '"type":"valid"' "$run/metrics.jsonl" | tail -1 | grep -o '"em":[0-9.]*')"
}

pretrain() {  # model: stage 1, short documents, full attention, from a fresh initialisation
  stage "$1" pretrain "$PRETRAIN_LENGTH" "$PRETRAIN_STEPS" model.vcc.enabled=false optim.lr=1e-3 \
      schedule.warmup_steps=100
}

adapt() {  # model attention: stage 2 from stage 1's last checkpoint
  stage "$1" "adapt_$2" "$ADAPT_LENGTH" "$ADAPT_STEPS" "$(vcc_switch "$2")" \
      train.init_from="$OUT/runs/$1-pretrain-$PRETRAIN_LENGTH/last"
}

# Stage 3: fine-tune one (model, attention, length) from its branch; the checkpoint kept is the
# one with the best validation EM (runs/<name>/best), scored on the test split of its length.
finetune() {  # model attention length
  local model=$1 attention=$2 length=$3 name="$1-$2-$3" data="$OUT/data/$(task_of "$1")-$3"
  local run="$OUT/runs/$name"
  make_data "$(task_of "$model")" "$length"
  if [ ! -e "$run/done" ]; then
    rm -rf "$run"
    log "fine-tune $name ($STEPS steps of $BATCH x $length tokens)"
    train "$name" --config "$(config_of "$model")" --set "$(vcc_switch "$attention")" \
        data.train="$data/train.h5" data.valid="$data/valid.h5" data.tokenizer="$data/tokenizer.model" \
        train.run_dir="$run" train.max_steps="$STEPS" train.batch_size="$BATCH" train.threads="$THREADS" \
        valid.every_steps=$(( STEPS / 4 )) valid.max_examples="$VALID" checkpoint.every_steps=$(( STEPS / 4 )) \
        train.init_from="$OUT/runs/$model-adapt_$attention-$ADAPT_LENGTH/last"
    touch "$run/done"
  fi
  evaluate "$name" "$run/best" "$data-test/valid.h5"
}

# The longest candidate length whose full-attention step (vcc-bench, batch 1, median of 3) is no
# slower than VCC's at `length`; each measurement is kept in partners.jsonl.
partner_of() {  # model length -> prints the full-attention length
  local model=$1 length=$2 file="$OUT/partners.jsonl" best=""
  touch "$file"
  bench() {  # length vcc|full -> ms
    local cached
    cached=$(grep "\"model\":\"$model\",\"attention\":\"$2\",\"length\":$1," "$file" | head -1 | grep -o '"ms":[0-9.]*' | cut -d: -f2 || true)
    if [ -z "$cached" ]; then
      local flag=() key=full_ms
      [ "$2" = vcc ] && { flag=(--vcc-only); key=vcc_ms; }
      cached=$("$BIN/vcc-bench" --config "$(config_of "$model")" --length "$1" --steps 3 --warmup 1 --threads "$THREADS" \
          "${flag[@]}" --set model.vcc.enabled=true 2>/dev/null | tail -1 | grep -o "\"$key\":[0-9.]*" | cut -d: -f2)
      [ -n "$cached" ] || fail "vcc-bench at $1 tokens ($2) gave no time"
      echo "{\"model\":\"$model\",\"attention\":\"$2\",\"length\":$1,\"ms\":$cached}" >>"$file"
    fi
    echo "$cached"
  }
  local vcc_ms candidate
  vcc_ms=$(bench "$length" vcc)
  for candidate in $FULL_CANDIDATES; do
    [ "$candidate" -le "$length" ] || continue
    if "$PY" -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$(bench "$candidate" full)" "$vcc_ms"; then
      best=$candidate
    fi
  done
  [ -n "$best" ] || fail "no length of --full-candidates \"$FULL_CANDIDATES\" trains as fast as VCC at $length"
  echo "$best"
}

FLOPS="$OUT/flops.jsonl"
: >"$FLOPS.tmp"
for model in $MODELS; do
  for length in $LENGTHS $EQUAL_TIME_LENGTHS; do
    "$BIN/vcc-bench" --config "$(config_of "$model")" --length "$length" --flops-only --set model.vcc.enabled=true |
        tail -1 | sed "s/^{/{\"model\":\"$model\",/" >>"$FLOPS.tmp"
  done
done
mv "$FLOPS.tmp" "$FLOPS"

# The equal-time pairings, one line each ("model length full_length"); a pairing replaces its old line.
PAIRS="$OUT/pairs.txt"
touch "$PAIRS"
for model in $MODELS; do
  task=$(task_of "$model")
  pretrain "$model"
  adapt "$model" full
  adapt "$model" vcc
  for length in $LENGTHS; do
    finetune "$model" full "$length"
    finetune "$model" vcc "$length"
  done
  for length in $EQUAL_TIME_LENGTHS; do
    full_length=$(partner_of "$model" "$length")
    log "equal time at $length tokens: full attention at $full_length tokens"
    { grep -v "^$model $length " "$PAIRS" || true; echo "$model $length $full_length"; } >"$PAIRS.tmp"
    mv "$PAIRS.tmp" "$PAIRS"
    finetune "$model" vcc "$length"
    finetune "$model" full "$full_length"
    evaluate "$model-full-$full_length-on-$length" "$OUT/runs/$model-full-$full_length/best" \
        "$(truncated_test "$task" "$length" "$full_length")"
  done
done

for model in $MODELS; do
  if [ "$model" = encoder ]; then  # chance: question-blind rules fitted on the stage-2 training split
    "$PY" tools/synthetic_chance.py "$OUT/data/qa_extractive-$ADAPT_LENGTH/train.jsonl" \
        "$OUT/data/qa_extractive-$ADAPT_LENGTH-test/valid.jsonl" --json >"$OUT/chance.json"
  fi
done
"$PY" tools/experiments/collect_results.py "$OUT" --command "$COMMAND" --started "$start" ${PUBLISH:+--publish "$PUBLISH"}
[ -z "$PUBLISH" ] || "$PY" tools/experiments/report.py "$PUBLISH" --out "$PUBLISH.md"
log "done: $OUT/results.json"
