#pragma once
// EncoderLayerAdapter: one model layer (nn::EncoderLayer) seen through VccLayerInterface, so
// VCC runs it on a compressed sequence with its own norm, projections and residual branch.
#include "nn/encoder_layer.h"
#include "vcc/vcc_layer.h"

namespace vcc {

class EncoderLayerAdapter : public VccLayerInterface {
 public:
  // `relative_bias_table`: the T5 stack's shared table (undefined for BERT-family layers).
  // `probability_dropout`: whether the compressed attention keeps the layer's
  // attention-probability dropout in training (VccConfig::keeps_attention_dropout).
  EncoderLayerAdapter(const nn::EncoderLayer& layer, const Var& relative_bias_table, bool probability_dropout);

  Var vip_block_attention(const Var& vips, const Var& block_means, const Tensor& block_mask, const Tensor& vip_positions,
                          const Tensor& block_positions) override;
  Var residual_branch(const Var& z, const CompressedAttention& attention) override;

 private:
  const nn::EncoderLayer& layer_;
  Var table_;
  bool probability_dropout_;
};

}  // namespace vcc
