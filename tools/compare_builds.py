#!/usr/bin/env python3
"""Compare the speed of several vcc builds of the same source (e.g. compiler flags) in one run.

Each round runs, for every build in a rotated order, `vcc-bench` (VCC training step, RoBERTa-base
dimensions) and `vcc-bench-kernels` (1024^3 sgemm and fused attention), so all builds see the
same machine load. Prints a Markdown table of medians over the rounds, with ratios against the
first build.

  python3 tools/compare_builds.py build-none build-slp build-noavx512 --rounds 3
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("compare_builds: %s failed (exit %d): %s" % (cmd[0], out.returncode, out.stderr.strip()[-500:]))
    return out.stdout


def bench_step(build, config, length, steps):
    out = run([os.path.join(build, "bin", "vcc-bench"), "--config", config, "--length", str(length),
               "--steps", str(steps), "--warmup", "1", "--vcc-only"])
    result = json.loads(out.strip().splitlines()[-1])
    return result["vcc_ms"]


def bench_kernels(build, length):
    out = run([os.path.join(build, "bin", "vcc-bench-kernels"), "--gemm-size", "1024", "--gemm-repeats", "5",
               "--lengths", str(length), "--repeats", "2"])
    # GFLOP per CPU-second (column 4) of gemm_into, and of the attention forward+backward row.
    gemm = re.search(r"^\| `kernels::gemm_into` \(C given\) \| [^|]+\| [^|]+\| ([0-9.]+) \|", out, re.M)
    attn = re.search(r"^\| %d \| forward\+backward \| [^|]+\| [^|]+\| [^|]+\| ([0-9.]+) \|" % length, out, re.M)
    if not gemm or not attn:
        sys.exit("compare_builds: unexpected vcc-bench-kernels output from %s" % build)
    return float(gemm.group(1)), float(attn.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("builds", nargs="+", help="build folders (the first is the baseline of the ratios)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--config", default="configs/bench/roberta-base-4k.yaml")
    ap.add_argument("--length", type=int, default=4096)
    ap.add_argument("--steps", type=int, default=2)
    args = ap.parse_args()
    for b in args.builds:
        for exe in ("vcc-bench", "vcc-bench-kernels"):
            if not os.access(os.path.join(b, "bin", exe), os.X_OK):
                sys.exit("compare_builds: %s has no bin/%s (build the vcc-bench and vcc-bench-kernels targets)" % (b, exe))
    results = {b: {"step_ms": [], "gemm": [], "attn": []} for b in args.builds}
    for r in range(args.rounds):
        order = args.builds[r % len(args.builds):] + args.builds[:r % len(args.builds)]
        for b in order:
            results[b]["step_ms"].append(bench_step(b, args.config, args.length, args.steps))
            g, a = bench_kernels(b, args.length)
            results[b]["gemm"].append(g)
            results[b]["attn"].append(a)
            print("round %d/%d %s: step %.0f ms, sgemm %.1f GFLOP/CPU-s, attention %.1f GFLOP/CPU-s"
                  % (r + 1, args.rounds, b, results[b]["step_ms"][-1], g, a), file=sys.stderr, flush=True)
    print("CPU: %s, %d cores; %d rounds" % (cpu_model(), os.cpu_count(), args.rounds))
    # On a loaded machine the best round is the least disturbed one; the median shows the spread.
    for label, pick_time, pick_rate in (("best", min, max), ("median", statistics.median, statistics.median)):
        print()
        print("| build (%s of %d rounds) | VCC step at %d, ms | speed vs %s | sgemm 1024^3, GFLOP/CPU-s | vs | "
              "attention %d fwd+bwd, GFLOP/CPU-s | vs |" % (label, args.rounds, args.length, args.builds[0], args.length))
        print("|---|---:|---:|---:|---:|---:|---:|")
        def summary(b):
            r = results[b]
            return pick_time(r["step_ms"]), pick_rate(r["gemm"]), pick_rate(r["attn"])
        base = summary(args.builds[0])
        for b in args.builds:
            step, gemm, attn = summary(b)
            print("| %s | %.0f | %.3f | %.1f | %.3f | %.1f | %.3f |" % (
                b, step, base[0] / step, gemm, gemm / base[1], attn, attn / base[2]))
    print()
    print(json.dumps({"cpu": cpu_model(), "results": results}))


if __name__ == "__main__":
    main()
