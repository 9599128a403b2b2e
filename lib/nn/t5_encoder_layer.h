#pragma once
// T5EncoderLayer: one T5 encoder block (Hugging Face names):
//   layer.0: h = x + drop(SelfAttention(layer_norm(x)))    (RMS norm; q k v o without bias,
//            no 1/sqrt(d) scale; relative position bias from the stack's shared table)
//   layer.1: out = h + drop(DenseReluDense(layer_norm(h)))
// Block 0 owns the relative bias table (layer.0.SelfAttention.relative_attention_bias);
// the stack passes it to every block through AttentionContext::relative_bias_table.
#include <memory>

#include "nn/activation.h"
#include "nn/encoder_layer.h"
#include "nn/feed_forward.h"
#include "nn/rms_norm.h"

namespace vcc::nn {

struct T5LayerOptions {
  int64_t d_model = 512;
  int64_t num_heads = 8;
  int64_t d_kv = 64;
  int64_t d_ff = 2048;
  Activation activation = Activation::Relu;
  bool gated = false;
  double norm_eps = 1e-6;
  double dropout = 0.1;  // residual branches, attention probabilities and inside the FFN
  int num_buckets = 32;
  int max_distance = 128;
  bool has_relative_bias = false;  // block 0 of a stack
};

// The T5 feed-forward of a block: DenseReluDense.{wi, wo} or the gated {wi_0, wi_1, wo}.
FeedForwardOptions t5_feed_forward_options(const T5LayerOptions& o);
// Attention options of a T5 block's SelfAttention / EncDecAttention.
MultiHeadAttentionOptions t5_attention_options(const T5LayerOptions& o, bool bidirectional);

class T5EncoderLayer : public EncoderLayer {
 public:
  T5EncoderLayer(const T5LayerOptions& options, DType dtype = DType::F32);

  Var forward(const Var& x, const AttentionContext& ctx) const override;
  Var residual_branch(const Var& x, const AttentionContext& ctx) const override;
  Var attention_input(const Var& x) const override { return attention_norm_->forward(x); }
  const MultiHeadAttention& self_attention() const override { return *attention_; }
  bool vcc_keeps_attention_dropout() const override { return false; }

  Var attention_branch(const Var& x, const AttentionContext& ctx) const;
  Var feed_forward_branch(const Var& h) const;

  // The relative bias table this block owns (block 0 only; undefined otherwise).
  const Var& relative_bias_table() const { return relative_bias_; }
  const RMSNorm& attention_norm() const { return *attention_norm_; }
  const RMSNorm& ffn_norm() const { return *ffn_norm_; }
  const FeedForward& feed_forward() const { return *ffn_; }
  const T5LayerOptions& options() const { return options_; }

 private:
  T5LayerOptions options_;
  std::shared_ptr<MultiHeadAttention> attention_;
  Var relative_bias_;
  std::shared_ptr<RMSNorm> attention_norm_, ffn_norm_;
  std::shared_ptr<FeedForward> ffn_;
};

}  // namespace vcc::nn
