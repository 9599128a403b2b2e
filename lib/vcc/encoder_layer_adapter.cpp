#include "vcc/encoder_layer_adapter.h"

namespace vcc {

EncoderLayerAdapter::EncoderLayerAdapter(const nn::EncoderLayer& layer, const Var& relative_bias_table,
                                         bool probability_dropout)
    : layer_(layer), table_(relative_bias_table), probability_dropout_(probability_dropout) {}

Var EncoderLayerAdapter::vip_block_attention(const Var& vips, const Var& block_means, const Tensor& block_mask,
                                             const Tensor& vip_positions, const Tensor& block_positions) {
  return layer_.self_attention().probabilities(layer_.attention_input(vips), layer_.attention_input(block_means),
                                               block_mask, Var(), table_, table_.defined() ? vip_positions : Tensor(),
                                               table_.defined() ? block_positions : Tensor());
}

Var EncoderLayerAdapter::residual_branch(const Var& z, const CompressedAttention& attention) {
  nn::AttentionContext ctx;
  ctx.key_mask = attention.key_mask;
  ctx.key_bias = attention.key_bias;
  ctx.probability_dropout = probability_dropout_;
  if (table_.defined()) {
    ctx.positions = attention.positions;
    ctx.relative_bias_table = table_;
  }
  return layer_.residual_branch(z, ctx);
}

}  // namespace vcc
