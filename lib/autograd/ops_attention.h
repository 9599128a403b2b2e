#pragma once
// Fused multi-head attention: blocked, online softmax; never forms the Nq x Nk matrix.
// Supports key padding masks, causal masking, an additive per-key bias (VCC's log-score
// and duplicate-count terms, differentiable) and T5 relative-position bias computed on the
// fly from a bucket table and token positions (gradient into the table).
#include <cstdint>

#include "autograd/variable.h"
#include "core/rng.h"

namespace vcc {

struct AttentionOptions {
  double scale = 1.0;              // logits = scale * q.k (RoBERTa 1/sqrt(d), T5 1)
  bool causal = false;             // query i sees keys j <= i + (Nk - Nq) (bottom-right aligned)
  Tensor key_mask;                 // [B, Nk], nonzero = real token; masked keys get no weight
  Var key_bias;                    // [B, Nk], added to every head's logits for key j
  // T5 relative position bias: logits += table[bucket(key_pos - query_pos), head].
  Var relative_bias_table;         // [num_buckets, H]
  Tensor query_positions;          // [B, Nq] int64; defaults to 0..Nq-1 (+ Nk-Nq when causal)
  Tensor key_positions;            // [B, Nk] int64; defaults to 0..Nk-1
  bool bidirectional = true;       // encoder buckets (true) or decoder (false)
  int num_buckets = 32;
  int max_distance = 128;
  double dropout = 0.0;            // attention-probability dropout (training only)
  Generator* generator = nullptr;  // defaults to default_generator()
  // bfloat16 operands, float32 accumulation in the five products (train.precision: bf16;
  // kernels::AttentionArgs::bf16_products says exactly what is rounded). float32 only.
  bool bf16_products = false;
};

// q: [B, Nq, H, D], k and v: [B, Nk, H, D] (strided views with unit stride in D are used
// in place) -> [B, Nq, H, D] contiguous. Rows whose keys are all masked give 0.
Var attention(const Var& q, const Var& k, const Var& v, const AttentionOptions& options);

}  // namespace vcc
