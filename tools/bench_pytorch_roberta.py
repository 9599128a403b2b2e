#!/usr/bin/env python3
"""Time one training step (forward + backward) of a RoBERTa-sized encoder in PyTorch on the
CPU, for comparison with apps/vcc-bench-models (same shapes, threads, fp32, dropout).

The model mirrors Hugging Face's RobertaModel layer by layer (post-LN; word + position +
token-type embeddings, LayerNorm, dropout; self-attention with a padding mask; GELU FFN).
--attention eager is Hugging Face 4.36's attention (matmul, softmax, dropout, matmul);
--attention sdpa uses torch's fused scaled_dot_product_attention.

    python3 tools/bench_pytorch_roberta.py --threads 2 --tokens 512 --steps 10
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, d, heads, ff, eps, p, attention):
        super().__init__()
        self.heads, self.p, self.attention = heads, p, attention
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=eps), nn.LayerNorm(d, eps=eps)
        self.inter, self.out = nn.Linear(d, ff), nn.Linear(ff, d)

    def split(self, x):
        b, n, d = x.shape
        return x.view(b, n, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, x, bias):
        b, n, d = x.shape
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        if self.attention == "sdpa":
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=bias,
                                                 dropout_p=self.p if self.training else 0.0)
        else:
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d // self.heads) + bias
            probs = F.dropout(torch.softmax(scores, dim=-1), self.p, self.training)
            ctx = torch.matmul(probs, v)
        ctx = ctx.transpose(1, 2).reshape(b, n, d)
        h = self.ln1(F.dropout(self.o(ctx), self.p, self.training) + x)
        f = self.out(F.gelu(self.inter(h)))
        return self.ln2(F.dropout(f, self.p, self.training) + h)


class Encoder(nn.Module):
    def __init__(self, a):
        super().__init__()
        d = a.hidden
        self.word = nn.Embedding(a.vocab, d, padding_idx=1)
        self.pos = nn.Embedding(a.tokens + 2, d, padding_idx=1)
        self.token_type = nn.Embedding(1, d)
        self.ln = nn.LayerNorm(d, eps=1e-5)
        self.p = a.dropout
        self.layers = nn.ModuleList(Layer(d, a.heads, a.ff, 1e-5, a.dropout, a.attention)
                                    for _ in range(a.layers))
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                m.weight.data.normal_(0.0, 0.02)
            if isinstance(m, nn.Linear):
                m.bias.data.zero_()

    def forward(self, ids, mask):
        pos = torch.cumsum(ids.ne(1).int(), dim=1) * ids.ne(1) + 1
        h = self.word(ids) + self.token_type(torch.zeros_like(ids)) + self.pos(pos)
        h = F.dropout(self.ln(h), self.p, self.training)
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            h = layer(h, bias)
        return h


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--heads", type=int, default=12)
    ap.add_argument("--ff", type=int, default=3072)
    ap.add_argument("--tokens", type=int, default=512)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--vocab", type=int, default=50265)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--attention", choices=["eager", "sdpa"], default="eager")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Encoder(a).train()
    ids = torch.randint(3, a.vocab, (a.batch, a.tokens))
    mask = torch.ones(a.batch, a.tokens, dtype=torch.long)

    def step():
        model.zero_grad(set_to_none=True)
        model(ids, mask).sum().backward()

    def timed(fn):
        for _ in range(a.warmup):
            fn()
        t = []
        for _ in range(a.steps):
            t0 = time.perf_counter()
            fn()
            t.append((time.perf_counter() - t0) * 1000.0)
        return statistics.median(t)

    step_ms = timed(step)
    with torch.no_grad():
        fwd_ms = timed(lambda: model(ids, mask))
    print(f"pytorch {torch.__version__} roberta {a.layers}x{a.hidden} ({a.heads} heads, ff {a.ff}, post-LN, "
          f"{a.attention} attention), batch {a.batch} x {a.tokens} tokens, {torch.get_num_threads()} threads, fp32")
    print(f"forward+backward: median {step_ms:.1f} ms/step over {a.steps} steps (after {a.warmup} warm-up)")
    print(f"forward only (no grad): median {fwd_ms:.1f} ms")


if __name__ == "__main__":
    main()
