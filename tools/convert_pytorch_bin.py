#!/usr/bin/env python3
"""Turn a legacy Hugging Face `pytorch_model.bin` (torch pickle) into `model.safetensors`
next to it, so that `vcc-convert import` can read the folder. Needs Python with torch.

Tied weights (tensors sharing storage, e.g. T5's shared / embed_tokens / lm_head) are
written once, preferring the name Hugging Face's save_pretrained keeps (shared.weight,
the word embeddings, lm_head.bias); vcc-convert resolves the others as aliases. Header
metadata {"format": "pt"}.

    python3 tools/convert_pytorch_bin.py HF_DIR [--force]
"""
import argparse
import json
import os
import struct
import sys

import torch

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}


# Names Hugging Face treats as the tied copies; the other name of a tied pair is kept.
ALIAS_SUFFIXES = ("embed_tokens.weight", "lm_head.weight", "decoder.weight", "decoder.bias")


def storage_key(t):
    storage = t.untyped_storage() if hasattr(t, "untyped_storage") else t.storage()
    return (storage.data_ptr(), t.storage_offset(), tuple(t.shape), tuple(t.stride()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--force", action="store_true", help="replace an existing model.safetensors")
    a = ap.parse_args()
    src = os.path.join(a.folder, "pytorch_model.bin")
    dst = os.path.join(a.folder, "model.safetensors")
    if not os.path.exists(src):
        sys.exit(f"{src}: not found")
    if os.path.exists(dst) and not a.force:
        sys.exit(f"{dst} already exists (pass --force to replace it)")
    state = torch.load(src, map_location="cpu")
    seen, tensors = {}, []
    order = sorted(state, key=lambda n: (n.endswith(ALIAS_SUFFIXES), n))
    for name in order:
        t = state[name]
        if not isinstance(t, torch.Tensor):
            continue
        if t.dtype not in DTYPES:
            sys.exit(f"{src}: tensor '{name}' has unsupported dtype {t.dtype}")
        key = storage_key(t)
        if key in seen:
            print(f"tied: {name} = {seen[key]} (written once)")
            continue
        seen[key] = name
        tensors.append((name, t.contiguous()))
    tensors.sort(key=lambda e: e[0])
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name, t in tensors:
        data = t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    tmp = dst + f".tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, dst)
    print(f"wrote {dst}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
