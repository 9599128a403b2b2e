#pragma once
// AttentionContext: what a layer's self-attention needs besides the hidden states.
// Encoders build one per forward; VCC builds one per compressed sequence (its key_bias
// carries log(score) and log(duplicate count), its positions the coarse blocks' positions).
#include <cstdint>

#include "autograd/variable.h"

namespace vcc::nn {

struct AttentionContext {
  Tensor key_mask;           // [B, N], nonzero = real token; undefined = all visible
  Var key_bias;              // [B, N] added to every head's logits for key j (differentiable)
  Tensor positions;          // [B, N] int64 token positions for the T5 relative bias; default 0..N-1
  Var relative_bias_table;   // [num_buckets, H], shared by all layers of a T5 stack
  Tensor importance_mask;    // [B, N] VIP candidates (nonzero), read by the VCC layers only
  // > 0: tokens attend only within consecutive segments of this many tokens (spec 2.1); the
  // [B, N, H, D] heads are viewed as [B * N/s, s, H, D], so N must be a multiple of s.
  int64_t segment_size = 0;
  // false: no attention-probability dropout, even in training (a T5 layer run by VCC, spec
  // §3.5). The layer's hidden dropout is not affected.
  bool probability_dropout = true;
};

}  // namespace vcc::nn
