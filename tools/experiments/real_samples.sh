#!/usr/bin/env bash
# The whole pipeline on the real samples shipped in datasets/ (docs/experiments.md):
#   HotpotQA   the 100-question dev sample, 4,096 tokens (T5 tokenizer + HotpotQA's markers)
#   NarrativeQA the 3 full stories and their 89 questions, 16,384 tokens
# preprocess -> train a small VCC T5 from scratch (configs/experiments/synthetic-t5.yaml with
# the T5 vocabulary; no pretrained checkpoint ships with vcc) -> vcc-eval run (official EM/F1,
# the official HotpotQA script's numbers, ROUGE for NarrativeQA). With --init-from DIR (a
# checkpoint from `vcc-convert import`, e.g. t5-small) the models start from it instead.
#
# The samples are tiny: each model is trained and scored on the same questions, so the
# numbers measure that the pipeline runs end to end at 4K-16K tokens (and how well a small
# model fits 100 questions), not generalisation. Writes OUT/real-samples.json and, with
# --report FILE.md, a Markdown table.
#
#   tools/experiments/real_samples.sh                      # about 10 min on 2 cores
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=runs/experiments/real-samples
BUILD=build
STEPS=200
INIT=""
REPORT=""
THREADS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --steps) STEPS=$2; shift 2 ;;
    --init-from) INIT=$2; shift 2 ;;
    --report) REPORT=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
               echo "options: --out DIR [$OUT] --build DIR [$BUILD] --steps N [$STEPS] --init-from CHECKPOINT --report FILE.md --threads T"
               exit 0 ;;
    *) echo "real_samples.sh: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
BIN=$BUILD/bin
for tool in vcc-preprocess vcc-train vcc-eval; do
  [ -x "$BIN/$tool" ] || { echo "real_samples.sh: error: $BIN/$tool not found (build first, or --build DIR)" >&2; exit 1; }
done
if [ -n "$INIT" ] && [ ! -d "$INIT" ]; then
  echo "real_samples.sh: error: --init-from '$INIT' is not a checkpoint folder" >&2
  exit 1
fi
mkdir -p "$OUT"
start=$(date +%s)
log() { printf '[%s +%4ds] %s\n' "$(date +%H:%M:%S)" $(( $(date +%s) - start )) "$*"; }
TOK=datasets/sentencepiece/t5-spiece.model

log "preprocess HotpotQA (4096 tokens) and NarrativeQA stories (16384 tokens)"
[ -f "$OUT/hotpotqa.h5" ] || "$BIN/vcc-preprocess" hotpotqa --input datasets/hotpotqa/hotpot_dev_distractor_v1_100.json \
    --tokenizer "$TOK" --out "$OUT/hotpotqa.h5" --max-length 4096 --quiet >"$OUT/hotpotqa.preprocess.out"
[ -f "$OUT/narrativeqa.h5" ] || "$BIN/vcc-preprocess" narrativeqa --qaps datasets/narrativeqa/qaps.csv \
    --stories datasets/narrativeqa/stories --tokenizer "$TOK" --out "$OUT/narrativeqa.h5" --max-length 16384 \
    --quiet >"$OUT/narrativeqa.preprocess.out"

# name data length decoder-length eval-options...
run() {
  local name=$1 data=$2 length=$3 target=$4
  shift 4
  local run="$OUT/runs/$name" init=()
  [ -n "$INIT" ] && init=(train.init_from="$INIT")
  if [ ! -f "$OUT/eval/$name/metrics.json" ]; then
    rm -rf "$run" "$OUT/eval/$name"
    log "train $name ($STEPS steps, VCC T5, $length tokens)"
    "$BIN/vcc-train" --config configs/experiments/synthetic-t5.yaml --set model.vcc.enabled=true \
        model.vocab_size=32128 model.vcc.num_vip=64 model.vcc.fine_blocks=16 \
        data.train="$data" data.valid="$data" data.tokenizer="$TOK" train.run_dir="$run" \
        train.max_steps="$STEPS" train.batch_size=4 train.threads="$THREADS" valid.every_steps="$STEPS" \
        valid.max_new_tokens="$target" valid.max_examples=0 optim.lr=1e-3 schedule.warmup_steps=$(( STEPS / 10 )) "${init[@]}" >"$OUT/$name.train.out" 2>&1 ||
      { echo "real_samples.sh: error: training $name failed, see $OUT/$name.train.out:" >&2; tail -3 "$OUT/$name.train.out" >&2; exit 1; }
    log "eval $name"
    "$BIN/vcc-eval" run --model "$run/last" --data "$data" --tokenizer "$TOK" --out "$OUT/eval/$name" \
        --threads "$THREADS" --quiet "$@" >"$OUT/$name.eval.out" 2>&1 ||
      { echo "real_samples.sh: error: evaluating $name failed, see $OUT/$name.eval.out" >&2; exit 1; }
  fi
  log "$name: $(tr -d ' \n' <"$OUT/eval/$name/metrics.json" | cut -c1-300)"
}
run hotpotqa-4k "$OUT/hotpotqa.h5" 4096 40 --hotpotqa-gold datasets/hotpotqa/hotpot_dev_distractor_v1_100.json
run narrativeqa-16k "$OUT/narrativeqa.h5" 16384 47 --rouge

PY=${PYTHON:-python3}
"$PY" - "$OUT" "$STEPS" "${INIT:-from scratch}" "$REPORT" "$0 --out $OUT --steps $STEPS${INIT:+ --init-from $INIT}" <<'EOF'
import json, os, sys
sys.path.insert(0, "tools")
from plot_metrics import read_run  # the metrics.jsonl reader
out, steps, init, report, command = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
rows = []
for name in ("hotpotqa-4k", "narrativeqa-16k"):
    with open(os.path.join(out, "eval", name, "metrics.json"), encoding="utf-8") as f:
        m = json.load(f)
    train, _ = read_run(os.path.join(out, "runs", name))
    step_ms = sorted(r["ms_per_step"] for r in train[1:] or train)[len(train[1:] or train) // 2]
    rows.append({"dataset": name, "examples": m["examples"], "em": m["em"], "f1": m["f1"],
                 "rougeL": m.get("rougeL"), "step_ms": round(step_ms, 1), "steps": steps, "init": init,
                 "peak_mib": round(max(r["memory_bytes"] for r in train) / 2**20, 1)})
path = os.path.join(out, "real-samples.json")
with open(path + ".tmp", "w", encoding="utf-8") as f:
    json.dump(rows, f, indent=1)
os.replace(path + ".tmp", path)
lines = ["| sample | questions | start | steps | EM | F1 | ROUGE-L | ms / step | peak RSS MiB |",
         "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
for r in rows:
    rouge = f"{r['rougeL']:.1f}" if r["rougeL"] is not None else "–"
    lines.append(f"| {r['dataset']} | {r['examples']} | {r['init']} | {r['steps']} | {r['em']:.1f} | {r['f1']:.1f} | "
                 f"{rouge} | {r['step_ms']:.0f} | {r['peak_mib']:.0f} |")
print("\n".join(lines))
if report:
    with open(report + ".tmp", "w", encoding="utf-8") as f:
        f.write(f"Written by `{command} --report {report}`. Each model is trained and scored on the same\n"
                "questions (the samples are all there is): the numbers show the pipeline running end to end at\n"
                "4K and 16K tokens, not generalisation.\n\n" + "\n".join(lines) + "\n")
    os.replace(report + ".tmp", report)
print(path)
EOF
log "done"
