#pragma once
// Fused multi-head attention (forward and backward) on any device: front end and launchers.
// Blocked over queries and keys with an online softmax; memory is O(n), never O(Nq * Nk).
#include <cstdint>

#include "core/tensor.h"

namespace vcc::kernels {

// Everything about one attention call besides q, k and v. Undefined tensors switch the
// feature off. Logits are scale * q.k + key_bias[b, j] + table[bucket(kpos_j - qpos_i), h];
// masked keys (key_mask == 0) and, when causal, keys after the query get zero weight.
struct AttentionArgs {
  double scale = 1.0;
  bool causal = false;             // query i sees keys j <= i + (Nk - Nq)
  Tensor key_mask;                 // [B, Nk], any dtype, nonzero = visible
  Tensor key_bias;                 // [B, Nk], dtype of q
  Tensor relative_bias_table;      // [num_buckets, H], dtype of q
  Tensor query_positions;          // [B, Nq] int64; default 0..Nq-1 (+ Nk-Nq when causal)
  Tensor key_positions;            // [B, Nk] int64; default 0..Nk-1
  bool bidirectional = true;
  int num_buckets = 32;
  int max_distance = 128;
  double dropout = 0.0;            // probability of dropping an attention probability
  uint64_t seed = 0;               // Philox stream (seed, offset) of the dropout mask
  uint64_t offset = 0;
  // The five matrix products (q.k, P.v and the backward's three) take bfloat16 operands and
  // accumulate in float32: q, k, v, the output gradient, the probabilities P and their
  // gradients dS are rounded to bfloat16 as they enter a product. Logits, the online softmax,
  // the log-sum-exp and every result stay float32 (train.precision: bf16; float32 q only).
  bool bf16_products = false;
};

struct AttentionOutput {
  Tensor out;  // [B, Nq, H, D] contiguous
  Tensor lse;  // [B, H, Nq] log-sum-exp of each row's logits (-inf for rows without keys)
};

// q: [B, Nq, H, D], k and v: [B, Nk, H, D], float32 or float64; views with unit stride in D
// are read in place.
AttentionOutput attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionArgs& args);

struct AttentionGradRequest {
  bool q = true, k = true, v = true, key_bias = false, relative_bias_table = false;
};
struct AttentionGrads {
  Tensor q, k, v;              // contiguous, shaped like the inputs
  Tensor key_bias;             // [B, Nk]
  Tensor relative_bias_table;  // [num_buckets, H]
};

// Gradients of attention_forward given d(loss)/d(out); `out` and `lse` are the forward's
// results for the same inputs and args (dropout mask regenerated from seed and offset).
// The result does not depend on the thread count.
AttentionGrads attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOutput& forward,
                                  const Tensor& grad_out, const AttentionArgs& args,
                                  const AttentionGradRequest& request);

// Backend launchers, called by the front end only. They receive args normalised by it:
// key_mask uint8 contiguous or undefined, key_bias and table contiguous in q's dtype,
// positions int64 contiguous and defined whenever the table is; q, k, v, grad_out with unit
// stride in D; outputs allocated (gradients zero-filled) and contiguous.
namespace cpu {
void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionArgs& args,
                       const Tensor& out, const Tensor& lse);
void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse,
                        const Tensor& grad_out, const AttentionArgs& args, const AttentionGrads& grads);
}  // namespace cpu
namespace cuda {
void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionArgs& args,
                       const Tensor& out, const Tensor& lse);
void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse,
                        const Tensor& grad_out, const AttentionArgs& args, const AttentionGrads& grads);
}  // namespace cuda

}  // namespace vcc::kernels
