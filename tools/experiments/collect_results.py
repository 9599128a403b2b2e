"""Summarise a tools/experiments/vcc_vs_full.sh output folder: OUT/results.json and OUT/summaries/*.json.

results.json holds the command, the machine, chance, FLOP counts, the step times behind the
equal-time pairings, the pre-fine-tuning stages and one entry per fine-tuning run; each
summaries/<run>.json holds that entry plus what the report needs to recompute its intervals
and what a reader needs to check it: the run's resolved config and, per test evaluation, the
per-question exact-match outcomes ("1" / "0" in question order, from vcc-eval score
--per-example). With --publish DIR both are copied to DIR/results.json and DIR/runs/, the
folder committed under docs/ that tools/experiments/report.py rebuilds the page from.

    python3 tools/experiments/collect_results.py runs/experiments/vcc-vs-full --command "..." [--publish docs/experiments]
"""
import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from plot_metrics import read_run  # noqa: E402  (tools/plot_metrics.py: the metrics.jsonl reader)

RUN_NAME = re.compile(r"^(?P<model>[a-z0-9]+)-(?P<attention>full|vcc)-(?P<length>\d+)$")
STAGE_NAME = re.compile(r"^(?P<model>[a-z0-9]+)-(?P<stage>pretrain|adapt_full|adapt_vcc)-(?P<length>\d+)$")
EVAL_NAME = re.compile(r"^(?P<run>[a-z0-9]+-(?:full|vcc)-\d+)(?:-on-(?P<length>\d+))?$")


def fail(message):
    print(f"collect_results: error: {message}", file=sys.stderr)
    sys.exit(1)


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        fail(f"{path}: cannot read ({e.strerror})")
    except json.JSONDecodeError as e:
        fail(f"{path}: malformed JSON ({e.msg}, line {e.lineno})")


def load_jsonl(path):
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        fail(f"{path}:{number}: malformed JSON ({e.msg})")
    except OSError as e:
        fail(f"{path}: cannot read ({e.strerror})")
    return rows


def write_json(path, value):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)


def machine():
    model, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    wanted = ["avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"]
    return {"cpu": model, "cores": os.cpu_count(), "flags": [f for f in wanted if f in flags]}


def timing(train):
    """(median ms per step over the log windows after the first, seconds of training)."""
    windows = [r["ms_per_step"] for r in train[1:]] or [train[0]["ms_per_step"]]
    seconds = sum(r["ms_per_step"] for r in train) / len(train) * train[-1]["step"] / 1000.0
    return statistics.median(windows), seconds


def config_value(text, section, key):
    """A scalar of the run's saved config.yaml (two-level YAML as vcc-train writes it)."""
    current = None
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
        elif current == section and line.strip().startswith(key + ":"):
            return line.split(":", 1)[1].strip()
    return None


def best_step(run_dir):
    """The step of the checkpoint vcc-train linked as best (highest validation EM)."""
    target = os.path.basename(os.path.realpath(os.path.join(run_dir, "best")))
    digits = re.findall(r"\d+", target)
    return int(digits[-1]) if digits else None


def collect(out):
    runs_dir = os.path.join(out, "runs")
    if not os.path.isdir(runs_dir):
        fail(f"{runs_dir} not found (run tools/experiments/vcc_vs_full.sh first)")
    stages, runs = [], {}
    for name in sorted(os.listdir(runs_dir)):
        run_dir = os.path.join(runs_dir, name)
        if not os.path.exists(os.path.join(run_dir, "done")):
            continue
        train, valid = read_run(os.path.join(run_dir, "metrics.jsonl"))
        if not train:
            fail(f"{run_dir}/metrics.jsonl: no training records")
        step_ms, seconds = timing(train)
        with open(os.path.join(run_dir, "config.yaml"), encoding="utf-8") as f:
            config = f.read()
        common = {
            "steps": train[-1]["step"],
            "batch": int(config_value(config, "train", "batch_size")),
            "seed": int(config_value(config, "train", "seed")),
            "threads": int(config_value(config, "train", "threads") or 0),
            "step_ms": round(step_ms, 1),
            "train_s": round(seconds, 1),
            "peak_mib": round(max(r["memory_bytes"] for r in train) / 2**20, 1),
            "valid": [{"step": r["step"], "em": r.get("em"), "f1": r.get("f1")} for r in valid],
        }
        stage = STAGE_NAME.match(name)
        run = RUN_NAME.match(name)
        if stage:
            stages.append({"name": name, "model": stage["model"], "stage": stage["stage"],
                           "length": int(stage["length"]), **common})
        elif run:
            runs[name] = {"name": name, "model": run["model"], "attention": run["attention"],
                          "length": int(run["length"]), **common, "best_step": best_step(run_dir),
                          "tests": [], "config": config}
    eval_dir = os.path.join(out, "eval")
    for name in sorted(os.listdir(eval_dir)) if os.path.isdir(eval_dir) else []:
        match = EVAL_NAME.match(name)
        per_example = os.path.join(eval_dir, name, "per_example.jsonl")
        if not match or not os.path.exists(per_example):
            continue
        if match["run"] not in runs:
            fail(f"{eval_dir}/{name}: no finished run {match['run']}")
        run = runs[match["run"]]
        metrics = load_json(os.path.join(eval_dir, name, "metrics.json"))
        outcomes = load_jsonl(per_example)
        if not outcomes or any("em" not in o for o in outcomes):
            fail(f"{per_example}: expected one {{\"em\": ...}} line per question")
        correct = "".join("1" if o["em"] >= 0.5 else "0" for o in outcomes)
        if abs(100.0 * correct.count("1") / len(correct) - metrics["em"]) > 1e-6:
            fail(f"{per_example}: its exact matches ({correct.count('1')} of {len(correct)}) disagree with "
                 f"metrics.json's EM {metrics['em']}")
        run["tests"].append({
            "length": int(match["length"] or run["length"]),   # of the test documents
            "cut": run["length"] if match["length"] else None,  # documents cut to the run's length
            "questions": len(correct), "em": round(metrics["em"], 2), "f1": round(metrics["f1"], 2),
            "correct": correct,
        })
    for run in runs.values():
        if not run["tests"]:
            fail(f"run {run['name']} has no test evaluation (eval/{run['name']}/per_example.jsonl)")
    return stages, list(runs.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="the script's output folder")
    parser.add_argument("--command", required=True, help="the vcc_vs_full.sh command that made the folder")
    parser.add_argument("--started", type=int, help="the run's start (Unix seconds), for its duration")
    parser.add_argument("--publish", metavar="DIR", help="also copy results.json and the summaries to DIR")
    parser.add_argument("--note", default="", help="how the machine was shared while the runs ran (printed in the report)")
    args = parser.parse_args()
    stages, runs = collect(args.out)
    if not runs:
        fail(f"no finished fine-tuning runs under {args.out}/runs")
    chance_path = os.path.join(args.out, "chance.json")
    pairs_path = os.path.join(args.out, "pairs.txt")
    pairs = []
    if os.path.exists(pairs_path):
        with open(pairs_path, encoding="utf-8") as f:
            for line in f:
                model, vcc_length, full_length = line.split()
                pairs.append({"model": model, "vcc_length": int(vcc_length), "full_length": int(full_length)})
    results = {
        "command": args.command,
        "date": datetime.date.today().isoformat(),
        "duration_s": int(datetime.datetime.now().timestamp()) - args.started if args.started else None,
        "machine": machine(),
        "note": args.note,
        "chance": load_json(chance_path) if os.path.exists(chance_path) else None,
        "flops": load_jsonl(os.path.join(args.out, "flops.jsonl")),
        "step_times": load_jsonl(os.path.join(args.out, "partners.jsonl"))
        if os.path.exists(os.path.join(args.out, "partners.jsonl")) else [],
        "equal_time": pairs,
        "stages": stages,
        "runs": [{k: v for k, v in r.items() if k != "config"} | {"tests": [
            {k: v for k, v in t.items() if k != "correct"} for t in r["tests"]]} for r in runs],
    }
    summaries = os.path.join(args.out, "summaries")
    os.makedirs(summaries, exist_ok=True)
    for r in runs:
        write_json(os.path.join(summaries, r["name"] + ".json"), r)
    write_json(os.path.join(args.out, "results.json"), results)
    for r in runs:
        for t in r["tests"]:
            cut = f" cut to {t['cut']}" if t["cut"] else ""
            print(f"{r['name']:24s} test {t['length']}{cut:12s} EM {t['em']:5.1f} F1 {t['f1']:5.1f}  "
                  f"{r['step_ms']:8.1f} ms/step  best step {r['best_step']}")
    if args.publish:
        target = os.path.join(args.publish, "runs")
        shutil.rmtree(target + ".tmp", ignore_errors=True)
        shutil.copytree(summaries, target + ".tmp")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(target + ".tmp", target)
        write_json(os.path.join(args.publish, "results.json"), results)
        print(os.path.join(args.publish, "results.json"))
    else:
        print(os.path.join(args.out, "results.json"))


if __name__ == "__main__":
    main()
