"""Write docs/experiments.md (and its plots) from the committed results of tools/experiments/vcc_vs_full.sh.

Reads DIR/results.json and DIR/runs/*.json (collect_results.py --publish DIR) and nothing else:
the page can be rebuilt without rerunning anything. The 95% intervals are percentile bootstrap
intervals over the test questions (10,000 resamples, fixed seed), and the VCC-minus-full
differences resample the same questions for both models (paired).

    python3 tools/experiments/report.py docs/experiments --out docs/experiments.md
"""
import argparse
import glob
import json
import os
import sys

RESAMPLES = 10000
SEED = 20261203


def fail(message):
    print(f"report: error: {message}", file=sys.stderr)
    sys.exit(1)


def load(folder):
    path = os.path.join(folder, "results.json")
    try:
        with open(path, encoding="utf-8") as f:
            results = json.load(f)
    except OSError as e:
        fail(f"{path}: cannot read ({e.strerror}); run tools/experiments/vcc_vs_full.sh --publish {folder}")
    except json.JSONDecodeError as e:
        fail(f"{path}: malformed JSON ({e.msg}, line {e.lineno})")
    runs = {}
    for run_path in sorted(glob.glob(os.path.join(folder, "runs", "*.json"))):
        try:
            with open(run_path, encoding="utf-8") as f:
                run = json.load(f)
        except json.JSONDecodeError as e:
            fail(f"{run_path}: malformed JSON ({e.msg}, line {e.lineno})")
        runs[run["name"]] = run
    for r in results["runs"]:
        if r["name"] not in runs:
            fail(f"{folder}/runs/{r['name']}.json missing (results.json lists the run)")
    return results, runs


class Bootstrap:
    """Percentile intervals of EM (in %) over resampled questions; one resampling per question count."""

    def __init__(self):
        import numpy
        self.np = numpy
        self.draws = {}

    def _draw(self, n):
        if n not in self.draws:
            self.draws[n] = self.np.random.default_rng(SEED).integers(0, n, size=(RESAMPLES, n))
        return self.draws[n]

    def _vector(self, correct):
        return self.np.frombuffer(correct.encode("ascii"), dtype=self.np.uint8) - ord("0")

    def interval(self, correct):
        means = self._vector(correct)[self._draw(len(correct))].mean(axis=1) * 100.0
        return tuple(self.np.percentile(means, [2.5, 97.5]))

    def difference(self, a, b):
        """EM(a) - EM(b) on the same questions, with its paired interval."""
        if len(a) != len(b):
            fail(f"paired difference over {len(a)} and {len(b)} questions")
        va, vb, draw = self._vector(a), self._vector(b), self._draw(len(a))
        means = (va[draw].astype(float) - vb[draw]).mean(axis=1) * 100.0
        return (va.mean() - vb.mean()) * 100.0, tuple(self.np.percentile(means, [2.5, 97.5]))


def test_of(run, length, cut=None):
    for t in run["tests"]:
        if t["length"] == length and t["cut"] == cut:
            return t
    return None


def fmt_em(boot, test):
    lo, hi = boot.interval(test["correct"])
    return f"{test['em']:.1f} [{lo:.1f}, {hi:.1f}]"


def fmt_diff(boot, a, b):
    d, (lo, hi) = boot.difference(a["correct"], b["correct"])
    return f"{d:+.1f} [{lo:+.1f}, {hi:+.1f}]"


def comparisons(results, by):
    """The finished comparisons, each found once for the tables and the summary:
    equal length [(model, length, full run, VCC run, full test, VCC test)] and
    equal time [(pairing, full run, VCC run, full test on the cut documents, VCC test)]."""
    equal = []
    for model, length in sorted({(r["model"], r["length"]) for r in by.values()}):
        full, vcc = by.get((model, "full", length)), by.get((model, "vcc", length))
        if full and vcc and test_of(full, length) and test_of(vcc, length):
            equal.append((model, length, full, vcc, test_of(full, length), test_of(vcc, length)))
    timed = []
    for p in results["equal_time"]:
        full, vcc = by.get((p["model"], "full", p["full_length"])), by.get((p["model"], "vcc", p["vcc_length"]))
        tf = full and test_of(full, p["vcc_length"], p["full_length"])
        tv = vcc and test_of(vcc, p["vcc_length"])
        if tf and tv:
            timed.append((p, full, vcc, tf, tv))
    return equal, timed


def stage_seconds(results, model, attention):
    """Training seconds of the stages a fine-tuning run of this attention starts from."""
    return sum(s["train_s"] for s in results["stages"]
               if s["model"] == model and s["stage"] in ("pretrain", "adapt_" + attention))


def plot(results, runs, boot, accuracy_png, step_png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.6))
    for r in sorted(runs.values(), key=lambda r: (r["attention"], r["length"])):
        xs = [v["step"] * r["step_ms"] / 1000.0 for v in r["valid"] if v.get("em") is not None]
        ys = [v["em"] for v in r["valid"] if v.get("em") is not None]
        left.plot(xs, ys, "-" if r["attention"] == "full" else "--", marker="o", label=f"{r['attention']} {r['length']}")
    chance = results["chance"]["chance"] if results.get("chance") else None
    for ax in (left, right):
        if chance is not None:
            ax.axhline(chance, color="gray", linestyle=":", label=f"chance {chance:.1f}")
        ax.grid(alpha=0.3)
    left.set_xlabel("fine-tuning time (s, steps x median step time)")
    left.set_ylabel("validation EM (%)")
    left.set_title("fine-tuning: validation EM vs time")
    left.legend(fontsize=8)
    labels, ems, errs, colors = [], [], [[], []], []
    for r in sorted(runs.values(), key=lambda r: (r["length"], r["attention"])):
        for t in sorted(r["tests"], key=lambda t: (t["length"], t["cut"] or 0)):
            lo, hi = boot.interval(t["correct"])
            labels.append(f"{r['attention']} {r['length']}" + (f"\non {t['length']}" if t["cut"] else ""))
            ems.append(t["em"])
            errs[0].append(t["em"] - lo)
            errs[1].append(hi - t["em"])
            colors.append("C0" if r["attention"] == "full" else "C1")
    right.bar(range(len(ems)), ems, yerr=errs, color=colors, capsize=3)
    right.set_xticks(range(len(ems)), labels, fontsize=7)
    right.set_ylabel("test EM (%), 95% bootstrap interval")
    right.set_title("test split (full: blue, VCC: orange)")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(accuracy_png + ".tmp.png", dpi=100)
    os.replace(accuracy_png + ".tmp.png", accuracy_png)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4.6))
    flops = {f["length"]: f for f in results["flops"]}
    for attention, color in (("full", "C0"), ("vcc", "C1")):
        rows = sorted([r for r in runs.values() if r["attention"] == attention], key=lambda r: r["length"])
        if not rows:
            continue
        ax.plot([r["length"] for r in rows], [r["step_ms"] for r in rows], marker="o", color=color,
                label=f"{attention}, measured (batch {rows[0]['batch']})")
        ref = rows[0]
        lengths = sorted(n for n in flops if n >= ref["length"])
        if ref["length"] in flops:
            scale = ref["step_ms"] / flops[ref["length"]][f"{attention}_gflops"]
            ax.plot(lengths, [flops[n][f"{attention}_gflops"] * scale for n in lengths], ":", color=color,
                    label=f"{attention}, predicted by FLOPs from {ref['length']}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("sequence length (tokens)")
    ax.set_ylabel("time per training step (ms)")
    ax.set_title("step time vs length")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(step_png + ".tmp.png", dpi=100)
    os.replace(step_png + ".tmp.png", step_png)
    plt.close(fig)


def report(results, runs, boot, folder, page, accuracy_png, step_png):
    m = results["machine"]
    rel = lambda p: os.path.relpath(p, os.path.dirname(os.path.abspath(page)) or ".")
    chance = results.get("chance")
    by = {(r["model"], r["attention"], r["length"]): r for r in runs.values()}
    flops = {f["length"]: f for f in results["flops"]}
    counts = sorted({r.get("threads", 0) for r in runs.values()})
    threads = ("threads per run: " + ", ".join("all cores" if t == 0 else str(t) for t in counts))
    lines = [
        "# Experiments: VCC vs full attention on the synthetic long-context task",
        "",
        f"Generated by `tools/experiments/report.py` from `{os.path.join(folder, 'results.json')}` and "
        f"`{os.path.join(folder, 'runs')}/*.json` (one summary per run: config, seed, steps, times, scores, "
        "and each test question's exact match). Those files come from one run of",
        "",
        f"```\n{results['command']} --publish {folder}\n```",
        "",
        f"on {m['cores']} cores of {m['cpu']} ({', '.join(m['flags']) or 'no AVX2'}), {results['date']}, "
        f"{(results['duration_s'] or 0) / 60:.0f} minutes in all, {threads}. "
        + (results.get("note") or "") + f" Rebuild this page from them with "
        f"`python3 tools/experiments/report.py {folder} --out {page}`; do not edit it by hand.",
        "",
        "**Task** (`vcc-preprocess synthetic`, docs/data.md): the question `what is KEY ?` at the front; the",
        "answer, the fact `KEY : VALUE`, anywhere in the document among other facts with other keys.",
        "**Splits**: per length, training and validation documents from generator seed 1 and a test",
        "split from seed 2. Every choice looks at validation or at timings only: each run keeps the",
        "checkpoint with the best validation EM, and the equal-time pairing is chosen from measured step",
        "times. The test split is scored once per run, at the end, by `vcc-eval run`; intervals are 95%",
        f"percentile bootstrap intervals over its questions ({RESAMPLES:,} resamples), and differences are",
        "paired (the same resampled questions for both models).",
        "**Training**: one recipe for both attentions. Stage 1 pretrains on short documents with full",
        "attention; stage 2 adapts in two branches, full attention and VCC, on longer ones (as the paper",
        "continues pretraining with VCC); stage 3 fine-tunes each run from its own branch: same seed,",
        "steps and batch size, only the attention and the length differ.",
    ]
    if chance:
        rules = ", ".join(f"{k} {v:.1f}" for k, v in chance["em"].items())
        lines += ["", f"**Chance**: {chance['chance']:.1f} EM, the best question-blind rule ({chance['best_rule']}; "
                  f"{rules}) fitted on a training split and scored on {chance['examples']} test questions "
                  "(`tools/synthetic_chance.py`)."]
    lines += ["", "## Stages before fine-tuning", "",
              "| model | stage | attention | length | steps x batch | minutes | last validation EM |",
              "|---|---|---|---:|---:|---:|---:|"]
    for s in sorted(results["stages"], key=lambda s: (s["model"], s["stage"] != "pretrain", s["stage"])):
        attention = "full" if s["stage"] in ("pretrain", "adapt_full") else "vcc"
        em = s["valid"][-1]["em"] if s["valid"] else None
        lines.append(f"| {s['model']} | {'1, pretraining' if s['stage'] == 'pretrain' else '2, adaptation'} | "
                     f"{attention} | {s['length']} | {s['steps']} x {s['batch']} | {s['train_s'] / 60:.1f} | "
                     f"{'–' if em is None else f'{em:.1f}'} |")

    equal, timed = comparisons(results, by)
    if equal:
        lines += ["", "## Equal length", "",
                  "Both attentions fine-tuned and tested at the same length.", "",
                  "| model | length | attention | test EM [95% CI] | test F1 | VCC - full EM [95% CI] | best step | ms / step "
                  "| speed-up (FLOPs) | peak MiB | fine-tuning min | all stages min |",
                  "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for model, length, full, vcc, tf, tv in equal:
            f = flops.get(length)
            for r, t in ((full, tf), (vcc, tv)):
                is_vcc = r is vcc
                speed = (f"{full['step_ms'] / vcc['step_ms']:.2f}x ({f['flop_speedup']:.2f}x)" if f else
                         f"{full['step_ms'] / vcc['step_ms']:.2f}x") if is_vcc else "–"
                lines.append(f"| {model} | {length} | {r['attention']} | {fmt_em(boot, t)} | {t['f1']:.1f} | "
                             f"{fmt_diff(boot, tv, tf) if is_vcc else '–'} | {r['best_step']} of {r['steps']} | "
                             f"{r['step_ms']:.0f} | {speed} | {r['peak_mib']:.0f} | {r['train_s'] / 60:.1f} | "
                             f"{(r['train_s'] + stage_seconds(results, model, r['attention'])) / 60:.1f} |")

    if timed:
        lines += ["", "## Equal training time", "",
                  "VCC at a long length against full attention at the longest length whose training step is no",
                  "slower (picked from the step times below, measured with `vcc-bench`, batch 1). Both are then",
                  "fine-tuned for the same steps with the same batch size (so full attention trains no longer than",
                  "VCC) and tested on the same questions: full attention reads each test document cut to its length,",
                  "as a model limited to that length must. The asked fact sits anywhere in the document (uniformly),",
                  "so only about cut / length of the questions can be answered from the cut documents.", "",
                  "| model | test length | VCC test EM [95% CI] | full attention at | full test EM [95% CI] | VCC - full EM [95% CI] "
                  "| VCC fine-tuning min | full fine-tuning min |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for p, full, vcc, tf, tv in timed:
            lines.append(f"| {p['model']} | {p['vcc_length']} | {fmt_em(boot, tv)} | {p['full_length']} | "
                         f"{fmt_em(boot, tf)} | {fmt_diff(boot, tv, tf)} | {vcc['train_s'] / 60:.1f} | "
                         f"{full['train_s'] / 60:.1f} |")
        lines += ["", "Step times behind the pairing (`vcc-bench --steps 3`, batch 1, median):", "",
                  "| model | attention | length | ms / step |", "|---|---|---:|---:|"]
        for s in sorted(results["step_times"], key=lambda s: (s["model"], s["attention"], s["length"])):
            lines.append(f"| {s['model']} | {s['attention']} | {s['length']} | {s['ms']:.0f} |")

    lines += ["", "## What the numbers say", ""]
    for model, length, full, vcc, tf, tv in equal:
        d, (lo, hi) = boot.difference(tv["correct"], tf["correct"])
        verdict = (f"[{lo:+.1f}, {hi:+.1f}]: the interval includes 0" if lo <= 0 <= hi else
                   f"[{lo:+.1f}, {hi:+.1f}]: less accurate" if hi < 0 else f"[{lo:+.1f}, {hi:+.1f}]: more accurate")
        lines.append(f"- {model}, {length} tokens: VCC {d:+.1f} EM against full attention ({verdict}), at "
                     f"{full['step_ms'] / vcc['step_ms']:.2f}x the training speed.")
    for p, full, vcc, tf, tv in timed:
        d, (lo, hi) = boot.difference(tv["correct"], tf["correct"])
        lines.append(f"- {p['model']}, {p['vcc_length']}-token documents, full attention at the longest length whose step is no slower: VCC reads them whole, "
                     f"full attention its first {p['full_length']} tokens; VCC {d:+.1f} EM [{lo:+.1f}, {hi:+.1f}]. "
                     f"Fine-tuning took {vcc['train_s'] / 60:.1f} min (VCC) and {full['train_s'] / 60:.1f} min (full).")
    if chance:
        low = [f"{r['attention']} {r['length']}" + (f" on {t['length']}-token documents cut to {t['cut']}" if t["cut"] else "")
               for r in runs.values() for t in r["tests"] if t["em"] < chance["chance"] + 10]
        lines.append("- Every test score is at least 10 points above chance." if not low else
                     f"- Within 10 points of chance ({chance['chance']:.1f}): {', '.join(sorted(set(low)))}.")
    lines += [
        "", "## Plots", "",
        f"![validation EM during fine-tuning, and test EM]({rel(accuracy_png)})", "",
        f"![time per training step vs length]({rel(step_png)})", "",
        "FLOP-predicted curves: the measured step time at the shortest length, scaled by the ratio of",
        "matrix-product FLOPs per training step (`vcc-bench --flops-only`) at each length.", "",
        "## Real samples", "",
        "HotpotQA and NarrativeQA samples at 4K and 16K tokens, the pipeline end to end: "
        "[experiments-real-samples.md](experiments-real-samples.md) (`tools/experiments/real_samples.sh`).", "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="the published folder (results.json, runs/)")
    parser.add_argument("--out", required=True, help="Markdown file to write (PNGs in the folder)")
    args = parser.parse_args()
    results, runs = load(args.folder)
    if not runs:
        fail(f"{args.folder}/runs holds no run summaries")
    try:
        boot = Bootstrap()
    except ImportError:
        fail("numpy is not installed (apt-get install python3-matplotlib, or pip install numpy matplotlib)")
    accuracy_png = os.path.join(args.folder, "accuracy.png")
    step_png = os.path.join(args.folder, "step-time.png")
    try:
        plot(results, runs, boot, accuracy_png, step_png)
    except ImportError:
        fail("matplotlib is not installed (apt-get install python3-matplotlib, or pip install matplotlib)")
    text = report(results, runs, boot, args.folder, args.out, accuracy_png, step_png)
    with open(args.out + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(args.out + ".tmp", args.out)
    print(args.out)


if __name__ == "__main__":
    main()
