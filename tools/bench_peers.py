#!/usr/bin/env python3
"""vcc against its peers on this CPU: one RoBERTa-base training step, back to back, one table.

Peers are PyTorch + transformers from PyPI (a venv of this script's user; building and testing
vcc never needs them), with the models built from their configs (random weights, batch 1):

  hf-roberta  RobertaForQuestionAnswering, attn_implementation sdpa (attention dropout 0, so that
              PyTorch picks its flash kernel) and eager (attention dropout 0.1), fp32 and bf16
              autocast, at 512 and 4,096 tokens
  longformer  LongformerForQuestionAnswering, window 512, 64 global question tokens, 4,096 tokens
  bigbird     BigBirdForQuestionAnswering, block sparse (blocks of 64, 3 random), 4,096 tokens
  vcc         vcc-bench (configs/bench/roberta-base-4k.yaml): full attention and VCC, fp32 and bf16, with
              attention dropout 0 (as SDPA above) and, at 4,096, 0.1 (as eager); hidden dropout 0.1 everywhere
  kernels     vcc-bench-kernels: vcc's GEMM against oneDNN's and OpenBLAS's own at 1024^3, fp32 and bf16
              (interleaved rounds), and the fused attention at 4,096 tokens, fp32 and bf16 products, against
              the same precision's GEMM rate

A step is forward, loss, backward and an AdamW update. Each case runs in its own process (its
peak memory is its own; an out-of-memory kill is recorded as such) after a warm-up step, and
twice; a case whose two medians differ by more than --tolerance runs a third time and the median
of the three is kept. Before each case the script records the machine's load (other processes'
CPU share over one second), so a busy machine shows in the results. Run nothing else meanwhile.

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install torch transformers
    /tmp/peers/bin/python tools/bench_peers.py --build build --out docs/benchmarks/peers.json
    /tmp/peers/bin/python tools/bench_peers.py --build build --only "512" --out /tmp/p.json   # a subset
"""
import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time

ROBERTA_BASE = dict(vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                    intermediate_size=3072, hidden_dropout_prob=0.1, layer_norm_eps=1e-5, pad_token_id=1)
VCC_CONFIG = "configs/bench/roberta-base-4k.yaml"


def cases():
    out = []
    for length in (512, 4096):
        for precision in ("fp32", "bf16"):
            for attention in ("sdpa", "eager"):
                out.append({"name": f"hf-roberta {attention} {precision} {length}", "peer": "hf-roberta",
                            "attention": attention, "precision": precision, "length": length})
            # vcc with SDPA's attention dropout (0), and at 4,096 also with eager's (0.1): each is
            # compared with the PyTorch case of the same attention dropout.
            for dropout in (0.0, 0.1) if length > 512 else (0.0,):
                out.append({"name": f"vcc {precision} {length}" + (" attention-dropout-0.1" if dropout else ""),
                            "peer": "vcc", "precision": precision, "length": length, "attention_dropout": dropout})
    for peer in ("longformer", "bigbird"):
        out.append({"name": f"{peer} fp32 4096", "peer": peer, "precision": "fp32", "length": 4096})
    out.append({"name": "vcc kernels gemm 1024 attention 4096", "peer": "vcc-kernels", "gemm_size": 1024, "length": 4096})
    return out


def machine():
    info = {"cpu": platform.processor() or "unknown", "flags": [], "cores": os.cpu_count()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    info["flags"] = [x for x in ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile") if x in flags]
    except OSError:
        pass
    return info


def busy_share(seconds=1.0):
    """Share of all CPU time spent busy over `seconds` (nothing of this script runs meanwhile)."""
    def read():
        with open("/proc/stat", encoding="utf-8") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait
    t0, i0 = read()
    time.sleep(seconds)
    t1, i1 = read()
    return round(1.0 - (i1 - i0) / max(1, t1 - t0), 3)


# --- one case in a child process -------------------------------------------------------------

def child(case, threads, warmup, steps):
    import torch
    import transformers as tf
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    n = case["length"]
    if case["peer"] == "hf-roberta":
        config = tf.RobertaConfig(**ROBERTA_BASE, max_position_embeddings=n + 2,
                                  attention_probs_dropout_prob=0.0 if case["attention"] == "sdpa" else 0.1)
        model = tf.RobertaForQuestionAnswering._from_config(config, attn_implementation=case["attention"])
    elif case["peer"] == "longformer":
        config = tf.LongformerConfig(**ROBERTA_BASE, max_position_embeddings=n + 2, attention_window=512,
                                     attention_probs_dropout_prob=0.1)
        model = tf.LongformerForQuestionAnswering(config)
    else:
        config = tf.BigBirdConfig(**{**ROBERTA_BASE, "pad_token_id": 0}, max_position_embeddings=n,
                                  attention_type="block_sparse", block_size=64, num_random_blocks=3,
                                  attention_probs_dropout_prob=0.1)
        model = tf.BigBirdForQuestionAnswering(config)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    ids = torch.randint(3, ROBERTA_BASE["vocab_size"], (1, n))
    inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids),
              "start_positions": torch.tensor([n // 2]), "end_positions": torch.tensor([n // 2 + 3])}
    if case["peer"] == "longformer":
        inputs["global_attention_mask"] = torch.zeros_like(ids)
        inputs["global_attention_mask"][:, :64] = 1  # the question
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=case["precision"] == "bf16")

    def step():
        with autocast:
            loss = model(**inputs).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        step()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1000.0)
    return {"ms": times, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "versions": {"torch": torch.__version__, "transformers": tf.__version__}}


def run_vcc(case, build, threads, warmup, steps):
    command = [os.path.join(build, "bin", "vcc-bench"), "--config", VCC_CONFIG, "--length", str(case["length"]),
               "--precision", case["precision"], "--steps", str(steps), "--warmup", str(warmup),
               "--threads", str(threads), "--set", f"model.attention_dropout={case['attention_dropout']}"]
    if case["length"] <= 512:  # only full attention is reported there; VCC's 44 fine blocks need more tokens
        command += ["--set", "model.vcc.fine_blocks=8"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["vcc-bench failed"])[-1]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"full_ms": result["full_ms"], "vcc_ms": result["vcc_ms"], "full_peak_mib": result.get("full_peak_mib"),
            "vcc_peak_mib": result.get("vcc_peak_mib"), "command": " ".join(command[1:])}


def run_kernels(case, build, threads):
    """vcc-bench-kernels once: its GEMM rounds are interleaved within the run, so one run is fair."""
    command = [os.path.join(build, "bin", "vcc-bench-kernels"), "--threads", str(threads), "--gemm-size",
               str(case["gemm_size"]), "--gemm-repeats", "9", "--lengths", str(case["length"]), "--repeats", "2"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["vcc-bench-kernels failed"])[-1]}
    return {"rows": json.loads(done.stdout.strip().splitlines()[-1])["rows"], "command": " ".join(command[1:])}


def run_peer(case, threads, warmup, steps):
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", json.dumps(case),
                           "--threads", str(threads), "--warmup", str(warmup), "--steps", str(steps)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        text = done.stderr
        if done.returncode in (-9, 137) or re.search(r"out of memory|MemoryError|Cannot allocate", text):
            return {"error": "out of memory"}
        return {"error": (text.strip().splitlines() or [f"exit {done.returncode}"])[-1][:200]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"ms": statistics.median(result["ms"]), "peak_mib": result["peak_mib"], "versions": result["versions"]}


def measure(case, args):
    """Two runs; a third when they disagree. {ms or full_ms/vcc_ms, runs, busy, ...}."""
    if case["peer"] == "vcc-kernels":
        busy = busy_share()
        one = run_kernels(case, args.build, args.threads)
        print(f"  {case['name']}: " + one.get("error", "done") + f" (machine busy {busy:.0%} before)", file=sys.stderr)
        return {**case, **one, "busy_before": busy}
    keys = ("full_ms", "vcc_ms") if case["peer"] == "vcc" else ("ms",)
    runs = []
    for attempt in range(3):
        if attempt == 2 and all(abs(runs[0][k] - runs[1][k]) <= args.tolerance * min(runs[0][k], runs[1][k])
                                for k in keys):
            break
        busy = busy_share()
        one = (run_vcc(case, args.build, args.threads, args.warmup, args.steps) if case["peer"] == "vcc" else
               run_peer(case, args.threads, args.warmup, args.steps))
        one["busy_before"] = busy
        print(f"  {case['name']}: run {attempt + 1}: " + (one["error"] if "error" in one else
              ", ".join(f"{k} {one[k]:.0f}" for k in keys)) + f" (machine busy {busy:.0%} before)", file=sys.stderr)
        if "error" in one:
            return {**case, "error": one["error"], "runs": [one]}
        runs.append(one)
    merged = {**case, "runs": runs}
    for k in keys:
        merged[k] = statistics.median(r[k] for r in runs)
    for k in ("peak_mib", "full_peak_mib", "vcc_peak_mib", "versions", "command"):
        if k in runs[0]:
            merged[k] = runs[0][k]
    return merged


def attention_dropout(case):
    if case["peer"] == "vcc":
        return case.get("attention_dropout", 0.1)  # results from before the option was recorded ran 0.1
    return 0.0 if case.get("attention") == "sdpa" else 0.1


def table(results):
    """Markdown: one row per case, with vcc's ratio to PyTorch's SDPA in the same precision and length."""
    by = {r["name"]: r for r in results}
    lines = ["| case | tokens | precision | attention dropout | ms per step | peak MiB | PyTorch ms / vcc ms |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for r in results:
        rows = []
        if r["peer"] == "vcc-kernels":
            continue
        if r["peer"] == "vcc":
            rows = [("vcc full attention", r.get("full_ms"), r.get("full_peak_mib")),
                    ("vcc VCC", r.get("vcc_ms"), r.get("vcc_peak_mib"))]
            if r["length"] <= 512:
                rows = rows[:1]
        else:
            label = {"hf-roberta": f"PyTorch RoBERTa, {r.get('attention')} attention", "longformer": "HF Longformer",
                     "bigbird": "HF BigBird"}[r["peer"]]
            rows = [(label, r.get("ms"), r.get("peak_mib"))]
        dropout = attention_dropout(r)
        # The PyTorch case of the same precision, length and attention dropout: SDPA (0) or eager (0.1).
        peer = by.get(f"hf-roberta {'eager' if dropout else 'sdpa'} {r['precision']} {r['length']}", {})
        peer_ms = peer.get("ms") if "error" not in peer else None
        for label, ms, peak in rows:
            if "error" in r:
                lines.append(f"| {label} | {r['length']} | {r['precision']} | {dropout} | {r['error']} | – | – |")
                continue
            if r["peer"] != "vcc":
                ratio = "–"
            elif peer_ms:
                ratio = f"{peer_ms / ms:.2f}"
            else:
                ratio = f"PyTorch: {peer.get('error', 'not run')}"
            lines.append(f"| {label} | {r['length']} | {r['precision']} | {dropout} | {ms:,.0f} | "
                         f"{'–' if peak is None else f'{peak:,.0f}'} | {ratio} |")
    return "\n".join(lines)


def kernels_table(results):
    """Markdown: vcc's GEMM against oneDNN's own, and the fused attention against the same precision's GEMM rate."""
    lines = []
    for r in results:
        if r["peer"] != "vcc-kernels":
            continue
        if "error" in r:
            return f"vcc-bench-kernels: {r['error']}"
        lines += ["| kernel | precision | best GFLOP/s | median GFLOP/s | best vs oneDNN | median vs oneDNN |",
                  "|---|---|---:|---:|---:|---:|"]
        for row in r["rows"]:
            if row["kind"] == "gemm":
                lines.append(f"| GEMM {row['size']}^3, {row['case']} | {row['precision']} | {row['best_gflops']:.1f} | "
                             f"{row['median_gflops']:.1f} | {row['best_vs_onednn']:.3f} | {row['median_vs_onednn']:.3f} |")
        for row in r["rows"]:
            if row["kind"] == "attention":
                ratio = row["per_cpu_second_vs_gemm"]
                lines.append(f"| fused attention, {row['length']} tokens, {row['pass']} | {row['precision']} | "
                             f"{row['best_gflops']:.1f} | – | per CPU-s vs vcc's GEMM in this precision: "
                             f"{'–' if ratio is None else f'{ratio:.2f}'} | – |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="vcc's CMake build folder (bin/vcc-bench)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for every case [all cores]")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3, help="timed steps per run (median)")
    ap.add_argument("--tolerance", type=float, default=0.10, help="runs further apart than this get a third")
    ap.add_argument("--only", default="", help="a regular expression on case names (e.g. '512' or 'fp32')")
    ap.add_argument("--out", required=False, help="write the results (JSON) here; the table goes to stdout")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child), args.threads, args.warmup, args.steps)))
        return
    try:
        import torch  # noqa: F401  (checked here, used in the children)
        import transformers  # noqa: F401
    except ImportError as e:
        sys.exit(f"bench_peers: error: {e.name} is not installed in {sys.executable} "
                 "(python3 -m venv V && V/bin/pip install torch transformers)")
    if not os.access(os.path.join(args.build, "bin", "vcc-bench"), os.X_OK):
        sys.exit(f"bench_peers: error: {args.build}/bin/vcc-bench not found (cmake --build {args.build} --target vcc-bench)")
    selected = [c for c in cases() if re.search(args.only, c["name"])]
    if not selected:
        sys.exit(f"bench_peers: error: --only '{args.only}' matches no case")
    info = machine()
    print(f"bench_peers: {len(selected)} cases on {info['cpu']} ({', '.join(info['flags'])}), {args.threads} threads",
          file=sys.stderr)
    results = [measure(c, args) for c in selected]
    document = {"machine": info, "threads": args.threads, "steps": args.steps, "warmup": args.warmup,
                "date": time.strftime("%Y-%m-%d"), "command": " ".join(sys.argv), "results": results}
    if args.out:
        with open(args.out + ".tmp", "w", encoding="utf-8") as f:
            json.dump(document, f, indent=1)
            f.write("\n")
        os.replace(args.out + ".tmp", args.out)
    print(f"{info['cpu']} ({', '.join(info['flags'])}), {args.threads} threads, batch 1, {args.steps} timed steps "
          f"after {args.warmup} warm-up, median of 2-3 runs")
    print(table(results))
    kernels = kernels_table(results)
    if kernels:
        print()
        print(kernels)


if __name__ == "__main__":
    main()
