#pragma once
// BertLayer: the BERT / RoBERTa / XLM-R encoder layer, post-LN as in Hugging Face, or pre-LN
// as in the VCC paper's RoBERTa (spec 5) and Hugging Face's roberta-prelayernorm.
//   post-LN: h = LN(x + drop(Attn(x)));       out = LN(h + drop(FFN(h)))
//   pre-LN:  h = x + drop(Attn(LN(x)));        out = h + drop(FFN(LN(h)))
// with FFN = output.dense(act(intermediate.dense(.))). Parameter names are Hugging Face's:
// attention.self.{query,key,value}, attention.output.dense, intermediate.dense,
// output.dense, and the norms attention.output.LayerNorm / output.LayerNorm (post-LN) or
// attention.LayerNorm / intermediate.LayerNorm (pre-LN).
#include <memory>

#include "nn/activation.h"
#include "nn/encoder_layer.h"
#include "nn/layer_norm.h"

namespace vcc::nn {

struct BertLayerOptions {
  int64_t d_model = 768;
  int64_t num_heads = 12;
  int64_t d_ff = 3072;
  Activation activation = Activation::Gelu;
  double norm_eps = 1e-12;
  bool pre_ln = false;
  double hidden_dropout = 0.1;
  double attention_dropout = 0.1;
};

class BertLayer : public EncoderLayer {
 public:
  BertLayer(const BertLayerOptions& options, DType dtype = DType::F32);

  Var forward(const Var& x, const AttentionContext& ctx) const override;
  Var residual_branch(const Var& x, const AttentionContext& ctx) const override;
  Var attention_input(const Var& x) const override;
  const MultiHeadAttention& self_attention() const override { return *attention_; }
  bool vcc_keeps_attention_dropout() const override { return true; }

  // drop(Attn(attention_input(x))) including the output projection.
  Var attention_branch(const Var& x, const AttentionContext& ctx) const;
  // drop(FFN(.)) of the states after attention (pre-LN: normalises first).
  Var feed_forward_branch(const Var& h) const;

  const LayerNorm& attention_norm() const { return *attention_norm_; }
  const LayerNorm& ffn_norm() const { return *ffn_norm_; }
  const Linear& intermediate() const { return *intermediate_; }
  const Linear& output() const { return *output_; }
  const BertLayerOptions& options() const { return options_; }

 private:
  BertLayerOptions options_;
  std::shared_ptr<MultiHeadAttention> attention_;
  std::shared_ptr<LayerNorm> attention_norm_, ffn_norm_;
  std::shared_ptr<Linear> intermediate_, output_;
};

}  // namespace vcc::nn
