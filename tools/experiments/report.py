"""Write the Markdown report of a tools/experiments/vcc_vs_full.sh run, with its PNG plots.

Reads OUT/results.json (collect_results.py) and OUT/flops.jsonl (vcc-bench --flops-only)
and writes REPORT.md plus, beside it, <stem>-accuracy.png (validation EM against training
time) and <stem>-step-time.png (time per training step against length, measured for full
attention and VCC, with the curve the FLOP counts predict from the shortest measured length).
Every number in the report comes from those files.

    python3 tools/experiments/report.py runs/experiments/vcc-vs-full --out docs/experiments.md
"""
import argparse
import datetime
import json
import os
import platform
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from plot_metrics import read_run  # noqa: E402  (tools/plot_metrics.py: the metrics.jsonl reader)


def fail(message):
    print(f"report: error: {message}", file=sys.stderr)
    sys.exit(1)


def load(out):
    path = os.path.join(out, "results.json")
    if not os.path.exists(path):
        fail(f"{path} not found (run tools/experiments/vcc_vs_full.sh, or collect_results.py)")
    with open(path, encoding="utf-8") as f:
        results = json.load(f)
    flops = []
    fpath = os.path.join(out, "flops.jsonl")
    if os.path.exists(fpath):
        with open(fpath, encoding="utf-8") as f:
            flops = [json.loads(line) for line in f if line.strip()]
    return results, flops


def pretrain_lines(out):
    """One line per pretraining and adaptation stage (its last validation EM and its time), the
    total time of those stages, and each branch's share: {(model, attention): seconds} with the
    shared pretraining counted in both branches."""
    lines = []
    branch = {}
    runs = os.path.join(out, "runs")
    for name in sorted(os.listdir(runs)) if os.path.isdir(runs) else []:
        parts = name.rsplit("-", 2)
        path = os.path.join(runs, name, "metrics.jsonl")
        if len(parts) != 3 or not (parts[1] == "pretrain" or parts[1].startswith("adapt_")) or not os.path.exists(path):
            continue
        train, valid = read_run(path)
        if not train or not valid:
            continue
        seconds = sum(r["ms_per_step"] for r in train) / len(train) * train[-1]["step"] / 1000.0
        stage = ("stage 1, pretraining" if parts[1] == "pretrain" else "stage 2, adaptation") + f" on {parts[2]}-token documents"
        attention = "full attention" if parts[1] in ("pretrain", "adapt_full") else "VCC"
        order = (parts[0], 0 if parts[1] == "pretrain" else 1, parts[1], int(parts[2]))
        lines.append((order, seconds, f"- {parts[0]}, {stage}, {attention}: {train[-1]['step']} steps, "
                      f"{seconds / 60:.1f} min, validation EM {valid[-1]['em']:.1f} / F1 {valid[-1]['f1']:.1f}."))
        for kind in ("full", "vcc"):
            if parts[1] in ("pretrain", "adapt_" + kind):
                branch[(parts[0], kind)] = branch.get((parts[0], kind), 0.0) + seconds
    lines.sort()
    return [text for _, _, text in lines], sum(seconds for _, seconds, _ in lines), branch


def vcc_defaults(out, model, length):
    """'num_vip 16, block_size 4, fine_blocks 64, explore_prob 0.1' from the default VCC run's saved config."""
    path = os.path.join(out, "runs", f"{model}-vcc-{length}", "config.yaml")
    found = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.strip().partition(":")
                if key in ("num_vip", "block_size", "fine_blocks", "explore_prob") and key not in found:
                    found[key] = value.strip()
    return ", ".join(f"{k} {v}" for k, v in found.items()) or "see the config"


def cpu_name():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def plot(results, flops, accuracy_png, step_png):
    results = [r for r in results if not r.get("setting")]
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = sorted({r["model"] for r in results}, key=lambda m: (m != "encoder", m))
    fig, axes = plt.subplots(1, len(models), figsize=(6.5 * len(models), 4.6), squeeze=False)
    for ax, model in zip(axes[0], models):
        for r in [r for r in results if r["model"] == model]:
            xs = [v["step"] * r["step_ms"] / 1000.0 for v in r["valid"] if v.get("em") is not None]
            ys = [v["em"] for v in r["valid"] if v.get("em") is not None]
            style = "-" if r["attention"] == "full" else "--"
            ax.plot(xs, ys, style, marker="o", label=f"{r['attention']} {r['length']}")
        chance = results[0]["chance_em"]
        ax.axhline(chance, color="gray", linestyle=":", label=f"chance {chance:g}")
        ax.set_xscale("log")
        ax.set_xlabel("training time (s, steps x median step time)")
        ax.set_ylabel("validation EM (%)")
        ax.set_title(f"{model}: accuracy vs training time")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(accuracy_png + ".tmp.png", dpi=100)
    os.replace(accuracy_png + ".tmp.png", accuracy_png)
    plt.close(fig)

    fig, axes = plt.subplots(1, len(models), figsize=(6.5 * len(models), 4.6), squeeze=False)
    for ax, model in zip(axes[0], models):
        gflops = {f["length"]: f for f in flops if f.get("model") == model}
        for attention, color in (("full", "C0"), ("vcc", "C1")):
            rows = sorted([r for r in results if r["model"] == model and r["attention"] == attention],
                          key=lambda r: r["length"])
            if not rows:
                continue
            ax.plot([r["length"] for r in rows], [r["step_ms"] for r in rows], marker="o", color=color,
                    label=f"{attention} measured")
            ref = rows[0]
            key = f"{attention}_gflops"
            lengths = sorted(gflops)
            if ref["length"] in gflops and lengths:
                scale = ref["step_ms"] / gflops[ref["length"]][key]
                ax.plot(lengths, [gflops[n][key] * scale for n in lengths], linestyle=":", color=color,
                        label=f"{attention} predicted by FLOPs (from {ref['length']})")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("sequence length (tokens)")
        ax.set_ylabel("time per training step (ms)")
        ax.set_title(f"{model}: step time vs length")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(step_png + ".tmp.png", dpi=100)
    os.replace(step_png + ".tmp.png", step_png)
    plt.close(fig)


def report(all_results, flops, command, accuracy_png, step_png, pretrained, out):
    results = [r for r in all_results if not r.get("setting")]
    ablation = [r for r in all_results if r.get("setting")]
    by_key = {(r["model"], r["attention"], r["length"]): r for r in results}
    flop_of = {(f.get("model"), f["length"]): f for f in flops}
    lines = [
        "# Experiments: VCC vs full attention on the synthetic long-context task",
        "",
        f"Generated by `tools/experiments/report.py` from the output of one run of",
        "",
        f"```\n{command}\n```",
        "",
        f"on {os.cpu_count()} cores of {cpu_name()}, {datetime.date.today().isoformat()}. "
        "Do not edit by hand: rerun the command (the report is rewritten with `--report`).",
        "",
        "Task: `vcc-preprocess synthetic --answer fact` (docs/data.md): the question `what is KEY ?` at the",
        "front, the answer the fact `KEY : VALUE` somewhere in the document among look-alike distractor",
        "facts. Each model is pretrained on short documents with full attention (stage 1), then adapted",
        "on longer ones in two branches, full attention and VCC (stage 2, as the paper continues",
        "pretraining with VCC; the VCC branch continues at a longer length too, where full attention",
        "would cost several times more), then fine-tuned at each length from its own branch (stage 3,",
        "the table): same seed, same steps, same batches; only the attention differs.",
        "EM/F1: `vcc-eval run` on the held-out validation split (last checkpoint); EM before stage 3:",
        "the same scoring of the branch's checkpoint the fine-tuning started from;",
        "ms / step: median training-step time; training s: fine-tuning only (steps x ms / step).",
        "",
        "## Results",
        "",
        *pretrained[0],
        "",
        "| model | length | attention | EM | F1 | EM before stage 3 | chance EM | ms / step | speed-up | FLOP speed-up | peak RSS MiB | training s |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        full = by_key.get((r["model"], "full", r["length"]))
        speedup = f"{full['step_ms'] / r['step_ms']:.2f}x" if r["attention"] == "vcc" and full else "–"
        f = flop_of.get((r["model"], r["length"]))
        flop_speedup = f"{f['flop_speedup']:.2f}x" if r["attention"] == "vcc" and f else "–"
        start = f"{r['start_em']:.1f}" if r.get("start_em") is not None else "–"
        lines.append(f"| {r['model']} | {r['length']} | {r['attention']} | {r['em']:.1f} | {r['f1']:.1f} | {start} | "
                     f"{r['chance_em']:.1f} | {r['step_ms']:.0f} | {speedup} | {flop_speedup} | "
                     f"{r['peak_mib']:.0f} | {r['train_s']:.0f} |")
    total = pretrained[1] + sum(r["train_s"] for r in all_results)
    lines += ["", f"Training time of every stage and run above: {total / 60:.0f} min on this machine (without "
              "validation, evaluation and data generation, which the script's log times as well).",
              "", "## What the numbers say", ""]
    for r in results:
        if r["attention"] != "vcc":
            continue
        full = by_key.get((r["model"], "full", r["length"]))
        if full:
            totals = [pretrained[2].get((r["model"], kind), 0.0) + run["train_s"] for kind, run in (("full", full), ("vcc", r))]
            lines.append(f"- {r['model']} at {r['length']} tokens: VCC EM {r['em']:.1f} vs full {full['em']:.1f} "
                         f"({r['em'] - full['em']:+.1f} points), {full['step_ms'] / r['step_ms']:.2f}x faster per step; "
                         f"training time of the branch, all stages: full {totals[0] / 60:.1f} min, VCC "
                         f"{totals[1] / 60:.1f} min.")
            if r.get("start_em") is not None and full.get("start_em") is not None:
                lines.append(f"  Fine-tuning at this length took full attention from EM {full['start_em']:.1f} to "
                             f"{full['em']:.1f} and VCC from {r['start_em']:.1f} to {r['em']:.1f}.")
    learned = [r for r in results if r["em"] >= r["chance_em"] + 10]
    if not learned:
        lines.append(f"- No run is 10 points above chance ({results[0]['chance_em']:g}% EM): in this many steps the "
                     "models have not learned the key lookup, so the accuracy columns do not yet compare VCC with full "
                     "attention; the time and memory columns do.")
    else:
        lines.append(f"- Runs at least 10 points above chance: {', '.join(r['model'] + ' ' + r['attention'] + ' ' + str(r['length']) for r in learned)}.")
    if ablation:
        lines += [
            "",
            "## Ablation: VCC settings",
            "",
            "The encoder fine-tuned with VCC from the same checkpoint, one `model.vcc` option changed at a time",
            f"(defaults, the last row: {vcc_defaults(out, ablation[0]['model'], ablation[0]['length'])}).",
            "",
            "| length | setting | EM | F1 | ms / step | speed-up vs full |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        for r in ablation:
            full = by_key.get((r["model"], "full", r["length"]))
            speedup = f"{full['step_ms'] / r['step_ms']:.2f}x" if full else "–"
            lines.append(f"| {r['length']} | {r['setting']} | {r['em']:.1f} | {r['f1']:.1f} | {r['step_ms']:.0f} | {speedup} |")
        default = by_key.get(("encoder", "vcc", ablation[0]["length"]))
        if default:
            lines.append(f"| {default['length']} | defaults | {default['em']:.1f} | {default['f1']:.1f} | "
                         f"{default['step_ms']:.0f} | – |")
    lines += [
        "",
        "## Plots",
        "",
        f"![accuracy vs training time]({os.path.basename(accuracy_png)})",
        "",
        f"![time per step vs length]({os.path.basename(step_png)})",
        "",
        "FLOP-predicted curves: the measured step time at the shortest length, scaled by the ratio of",
        "matrix-product FLOPs per training step (`vcc-bench --flops-only`) at each length.",
        "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="the output folder of vcc_vs_full.sh")
    parser.add_argument("--out", dest="report", required=True, help="Markdown file to write (PNGs beside it)")
    parser.add_argument("--command", default="tools/experiments/vcc_vs_full.sh", help="the command shown")
    parser.add_argument("--extra", action="append", default=[], metavar="TITLE=FILE.md",
                        help="append FILE.md (e.g. the table of tools/experiments/real_samples.sh) as a section")
    args = parser.parse_args()
    results, flops = load(args.out)
    if not results:
        fail("results.json holds no runs")
    stem = os.path.splitext(args.report)[0]
    accuracy_png, step_png = stem + "-accuracy.png", stem + "-step-time.png"
    try:
        plot(results, flops, accuracy_png, step_png)
    except ImportError:
        fail("matplotlib is not installed (apt-get install python3-matplotlib, or pip install matplotlib)")
    text = report(results, flops, args.command, accuracy_png, step_png, pretrain_lines(args.out), args.out)
    for extra in args.extra:
        title, _, path = extra.partition("=")
        if not path or not os.path.exists(path):
            fail(f"--extra {extra}: expected TITLE=FILE.md with an existing file")
        with open(path, encoding="utf-8") as f:
            text += f"\n## {title}\n\n" + f.read()
    with open(args.report + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(args.report + ".tmp", args.report)
    print(args.report)


if __name__ == "__main__":
    main()
