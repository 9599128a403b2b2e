#pragma once
// What a model layer provides so VCC can run it on a compressed sequence (spec §3.3, §3.5).
#include "autograd/variable.h"

namespace vcc {

// Attention inputs of one compressed sequence of r tokens.
struct CompressedAttention {
  Tensor key_mask;   // [B, r] uint8: 1 = real token / non-empty block
  Var key_bias;      // [B, r]: log(phi + 1e-4) [+ log(dup count + 1e-4)], differentiable
  Tensor positions;  // [B, r] int64 token positions (T5 relative bias); coarse = rounded block mean
};

class VccLayerInterface {
 public:
  virtual ~VccLayerInterface() = default;
  // Per-head attention probabilities [B, H, n_p, N] from VIP states [B, n_p, d] (queries)
  // to block means [B, N, d] (keys) computed with this layer's own norm and projections;
  // empty blocks (block_mask 0) get -1000 added to their logits. No dropout.
  virtual Var vip_block_attention(const Var& vips, const Var& block_means, const Tensor& block_mask,
                                  const Tensor& vip_positions, const Tensor& block_positions) = 0;
  // The layer's residual branch gamma(Z) on the compressed sequence z [B, r, d]:
  // pre-LN: attention(norm(z)) + ffn(z + attention); post-LN: layer(z) - z.
  virtual Var residual_branch(const Var& z, const CompressedAttention& attention) = 0;
};

}  // namespace vcc
