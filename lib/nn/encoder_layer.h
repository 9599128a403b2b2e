#pragma once
// EncoderLayer: the interface every encoder layer (BERT-style post-/pre-LN, T5) offers, so
// that an encoder stack can run it and VCC can run it on a compressed sequence with the
// layer's own parameters: its attention projections and the residual branch gamma.
#include "nn/attention_context.h"
#include "nn/module.h"
#include "nn/multi_head_attention.h"

namespace vcc::nn {

class EncoderLayer : public Module {
 public:
  // The whole layer: x [B, N, d] -> [B, N, d].
  virtual Var forward(const Var& x, const AttentionContext& ctx) const = 0;
  // gamma(x), the layer's update: pre-LN (and T5) a + f with a = Attn(Norm(x)),
  // f = FFN(Norm(x + a)); post-LN forward(x) - x. VCC computes x + gamma(x) * phi.
  virtual Var residual_branch(const Var& x, const AttentionContext& ctx) const = 0;
  // The states the q/k/v projections read for residual stream x (the pre-attention norm
  // for pre-LN and T5 layers; x itself for post-LN layers).
  virtual Var attention_input(const Var& x) const = 0;
  virtual const MultiHeadAttention& self_attention() const = 0;
  // Whether the released VCC code keeps this layer's attention-probability dropout when the
  // layer runs on a compressed sequence (spec §3.5): RoBERTa's VCC attention does, T5's does
  // not. `model.vcc.attention_dropout: spec` follows this; `layer` and `none` override it.
  virtual bool vcc_keeps_attention_dropout() const = 0;
};

}  // namespace vcc::nn
