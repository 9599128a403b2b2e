#!/usr/bin/env python3
"""Tokenization throughput: vcc (`vcc-preprocess tokenize`) against Hugging Face `tokenizers`,
single-threaded, on the five NarrativeQA stories of the HF parity files (60,000 characters each).

  python3 -m venv /work/venv && /work/venv/bin/pip install tokenizers
  /work/venv/bin/python tools/bench_tokenizers.py --vcc build/bin/vcc-preprocess

vcc's time is the whole command (load, JSON in, JSON out with offsets) minus the same command on
an empty input (load and start-up), so it counts tokenization plus JSON I/O; HF's is
Tokenizer.encode alone. Throughput is MB of input text (UTF-8) per second, best of --rounds.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
import tokenizers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "data", "tokenizers")


def stories(parity):
    out = []
    with open(parity, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["id"].startswith("narrativeqa-"):
                out.append(r["text"])
    assert len(out) == 5, parity
    return out


def time_cmd(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, OMP_NUM_THREADS="1"))
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vcc", default=os.path.join(HERE, "..", "build", "bin", "vcc-preprocess"))
    ap.add_argument("--repeat", type=int, default=8, help="copies of the five stories")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(f"tokenizers {tokenizers.__version__}, 1 thread")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ["roberta-base", "bert-base-uncased", "t5-small"]:
            texts = stories(os.path.join(SHARED, "hf-parity", name + ".jsonl")) * args.repeat
            nbytes = sum(len(t.encode("utf-8")) for t in texts)
            path = os.path.join(SHARED, name, "tokenizer.json")
            inp, empty, out = (os.path.join(tmp, f) for f in ("in.jsonl", "empty.jsonl", "out.jsonl"))
            with open(inp, "w", encoding="utf-8") as f:
                for i, t in enumerate(texts):
                    f.write(json.dumps({"id": str(i), "text": t, "pair": None}) + "\n")
            open(empty, "w").close()
            tok = tokenizers.Tokenizer.from_file(path)
            tok.no_truncation()
            tok.no_padding()
            hf_best = vcc_best = float("inf")
            hf_tokens = 0
            for _ in range(args.rounds):
                t = time.perf_counter()
                hf_tokens = sum(len(tok.encode(x).ids) for x in texts)
                hf_best = min(hf_best, time.perf_counter() - t)
                base = time_cmd([args.vcc, "tokenize", "--tokenizer", path, "--input", empty, "--out", out])
                full = time_cmd([args.vcc, "tokenize", "--tokenizer", path, "--input", inp, "--out", out])
                vcc_best = min(vcc_best, full - base)
            with open(out, encoding="utf-8") as f:
                vcc_tokens = sum(len(json.loads(l)["ids"]) for l in f)
            assert vcc_tokens == hf_tokens, (name, vcc_tokens, hf_tokens)
            mb = nbytes / 1e6
            print(f"{name:18s} {mb:6.2f} MB, {hf_tokens} tokens: HF {mb / hf_best:6.2f} MB/s, "
                  f"vcc {mb / vcc_best:6.2f} MB/s ({hf_best / vcc_best:.2f}x)")


if __name__ == "__main__":
    main()
