"""Collect the runs of tools/experiments/vcc_vs_full.sh into OUT/results.json.

One object per run folder OUT/runs/<model>-<attention>-<length>:
  length, model, attention (full|vcc), em, f1   held-out validation split, scored by vcc-eval
  step_ms     median over the run's log windows of the mean training-step time
              (the first window, with warm-up, left out)
  train_s     step_ms x steps: training time without validation and checkpoints
  peak_mib    largest resident set size (process RSS) logged during training
  setting     "" or the model.vcc option an ablation run changed ("fine_blocks=16")
  start_em    EM of the branch's checkpoint before this fine-tuning, at this length (None
              unless the script ran with --before-fine-tuning)
  steps, chance_em (100 / facts), valid (validation EM per step: the learning curve)

    python3 tools/experiments/collect_results.py runs/experiments/vcc-vs-full --facts 8
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from plot_metrics import read_run  # noqa: E402  (tools/plot_metrics.py: the metrics.jsonl reader)


def fail(message):
    print(f"collect_results: error: {message}", file=sys.stderr)
    sys.exit(1)


def collect(out, facts):
    runs_dir = os.path.join(out, "runs")
    if not os.path.isdir(runs_dir):
        fail(f"{runs_dir} not found (run tools/experiments/vcc_vs_full.sh first)")
    results = []
    for name in sorted(os.listdir(runs_dir)):
        parts = name.rsplit("-", 2)
        if len(parts) != 3 or not parts[2].isdigit():
            continue
        attention, _, setting = parts[1].partition("+")  # vcc+fine_blocks=16: an ablation run
        if attention not in ("full", "vcc"):
            continue  # e.g. the pretraining stage
        model, length = parts[0], int(parts[2])
        metrics_path = os.path.join(runs_dir, name, "metrics.jsonl")
        eval_path = os.path.join(out, "eval", name, "metrics.json")
        if not os.path.exists(metrics_path) or not os.path.exists(eval_path):
            print(f"collect_results: skipping {name}: unfinished (no metrics.jsonl or eval/metrics.json)",
                  file=sys.stderr)
            continue
        train, valid = read_run(metrics_path)
        if not train:
            fail(f"{metrics_path}: no training records")
        windows = [r["ms_per_step"] for r in train[1:]] or [train[0]["ms_per_step"]]
        step_ms = statistics.median(windows)
        steps = train[-1]["step"]
        with open(eval_path, encoding="utf-8") as f:
            scored = json.load(f)
        start_em = None
        start_path = os.path.join(out, "eval", f"{model}-{attention}-{length}-start", "metrics.json")
        if not setting and os.path.exists(start_path):
            with open(start_path, encoding="utf-8") as f:
                start_em = json.load(f)["em"]
        results.append({
            "length": length,
            "model": model,
            "attention": attention,
            "setting": setting,
            "em": scored["em"],
            "f1": scored["f1"],
            "step_ms": round(step_ms, 1),
            "peak_mib": round(max(r["memory_bytes"] for r in train) / 2**20, 1),
            "steps": steps,
            "train_s": round(step_ms * steps / 1000.0, 1),
            "chance_em": round(100.0 / facts, 2),
            "start_em": start_em,
            "valid": [{"step": r["step"], "em": r.get("em"), "f1": r.get("f1"), "loss": r.get("loss")} for r in valid],
        })
    order = {"encoder": 0, "t5": 1}
    results.sort(key=lambda r: (order.get(r["model"], 2), r["model"], r["setting"] != "", r["length"],
                                r["attention"], r["setting"]))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="the script's output folder")
    parser.add_argument("--facts", type=int, default=8, help="facts per document (for the chance level)")
    args = parser.parse_args()
    results = collect(args.out, args.facts)
    if not results:
        fail(f"no finished runs under {args.out}/runs")
    path = os.path.join(args.out, "results.json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    for r in results:
        print(f"{r['model']:8s} {r['attention'] + (' ' + r['setting'] if r['setting'] else ''):24s} {r['length']:6d}: EM {r['em']:5.1f} F1 {r['f1']:5.1f} "
              f"{r['step_ms']:8.1f} ms/step  peak {r['peak_mib']:7.1f} MiB")
    print(path)


if __name__ == "__main__":
    main()
