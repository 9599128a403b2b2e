#!/usr/bin/env python3
"""Plot a vcc-train run: training loss (and learning rate) and validation metrics per step.

Reads the JSON lines vcc-train writes to <run>/metrics.jsonl ({"type": "train"|"valid",
"step": ..., ...}) and draws one PNG with two panels: the training loss per display step
(learning rate on a second axis) and the validation loss and answer metrics (EM/F1/ROUGE,
percent), with the best validation marked.

    python3 tools/plot_metrics.py runs/quickstart                 # -> runs/quickstart/metrics.png
    python3 tools/plot_metrics.py runs/a/metrics.jsonl runs/b --out compare.png --labels a b
"""
import argparse
import json
import math
import os
import sys


def fail(message):
    print(f"plot_metrics: error: {message}", file=sys.stderr)
    sys.exit(1)


def read_run(path):
    """(train records, valid records) of a run folder or a metrics.jsonl file."""
    if os.path.isdir(path):
        path = os.path.join(path, "metrics.jsonl")
    if not os.path.exists(path):
        fail(f"{path} not found (give a vcc-train run folder or its metrics.jsonl)")
    train, valid = [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                fail(f"{path}:{number}: malformed JSON: {e.msg}")
            if not isinstance(record, dict) or "step" not in record:
                fail(f"{path}:{number}: expected an object with a 'step'")
            (train if record.get("type") == "train" else valid if record.get("type") == "valid" else []).append(record)
    if not train and not valid:
        fail(f"{path} has no train or valid records yet")
    return train, valid


def series(records, key):
    points = [(r["step"], r[key]) for r in records if isinstance(r.get(key), (int, float))]
    points = [(s, v) for s, v in points if math.isfinite(v)]
    return [s for s, _ in points], [v for _, v in points]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="run folders or metrics.jsonl files")
    parser.add_argument("--out", help="PNG to write (default: <first run>/metrics.png)")
    parser.add_argument("--labels", nargs="*", help="legend label per run (default: folder names)")
    parser.add_argument("--metrics", nargs="*", default=["em", "f1", "rougeL"],
                        help="validation metrics to draw when present (default: em f1 rougeL)")
    args = parser.parse_args()
    if args.labels and len(args.labels) != len(args.runs):
        fail(f"{len(args.labels)} labels for {len(args.runs)} runs")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail("matplotlib is not installed (apt-get install python3-matplotlib, or pip install matplotlib)")

    runs = [read_run(r) for r in args.runs]
    labels = args.labels or [os.path.basename(os.path.normpath(r if os.path.isdir(r) else os.path.dirname(r)))
                             for r in args.runs]
    out = args.out or os.path.join(args.runs[0] if os.path.isdir(args.runs[0]) else os.path.dirname(args.runs[0]),
                                   "metrics.png")

    fig, (ax_train, ax_valid) = plt.subplots(1, 2, figsize=(13, 4.8))
    ax_lr = ax_train.twinx()
    ax_metric = ax_valid.twinx()
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, ((train, valid), label) in enumerate(zip(runs, labels)):
        color = colors[i % len(colors)]
        steps, loss = series(train, "loss")
        if steps:
            ax_train.plot(steps, loss, color=color, label=f"{label} loss")
        steps, lr = series(train, "lr")
        if steps:
            ax_lr.plot(steps, lr, color=color, linestyle=":", alpha=0.6, label=f"{label} lr")
        steps, vloss = series(valid, "loss")
        if steps:
            ax_valid.plot(steps, vloss, color=color, marker="o", label=f"{label} valid loss")
        for j, name in enumerate(args.metrics):
            steps, values = series(valid, name)
            if steps:
                ax_metric.plot(steps, values, color=color, marker="s^vD"[j % 4], linestyle=["--", "-.", ":"][j % 3],
                               label=f"{label} {name}")
        best = [r for r in valid if r.get("best")]
        if best:
            b = best[-1]
            metric = b.get("metric", "loss")
            value = b.get(metric)
            axis = ax_valid if metric == "loss" else ax_metric
            if isinstance(value, (int, float)):
                axis.scatter([b["step"]], [value], s=160, facecolors="none", edgecolors=color, linewidths=2,
                             label=f"{label} best {metric} {value:.2f} @ {b['step']}", zorder=5)

    ax_train.set_title("training")
    ax_train.set_xlabel("step")
    ax_train.set_ylabel("loss (mean over the display window)")
    ax_lr.set_ylabel("learning rate")
    ax_valid.set_title("validation")
    ax_valid.set_xlabel("step")
    ax_valid.set_ylabel("loss")
    ax_metric.set_ylabel("metric (%)")
    for a, b in ((ax_train, ax_lr), (ax_valid, ax_metric)):
        handles = a.get_legend_handles_labels()
        more = b.get_legend_handles_labels()
        if handles[0] or more[0]:
            a.legend(handles[0] + more[0], handles[1] + more[1], fontsize=8, loc="best")
        a.grid(alpha=0.3)
    fig.tight_layout()
    tmp = out + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, out)
    print(out)


if __name__ == "__main__":
    main()
