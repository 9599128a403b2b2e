#include "nn/t5_encoder_layer.h"

#include "autograd/ops_elementwise.h"
#include "autograd/ops_nn.h"

namespace vcc::nn {

FeedForwardOptions t5_feed_forward_options(const T5LayerOptions& o) {
  FeedForwardOptions f;
  f.d_model = o.d_model;
  f.d_ff = o.d_ff;
  f.activation = o.activation;
  f.gated = o.gated;
  f.bias = false;
  f.inner_dropout = o.dropout;
  f.in_name = o.gated ? "wi_0" : "wi";
  f.gate_name = o.gated ? "wi_1" : "";
  f.out_name = "wo";
  return f;
}

MultiHeadAttentionOptions t5_attention_options(const T5LayerOptions& o, bool bidirectional) {
  MultiHeadAttentionOptions a;
  a.d_model = o.d_model;
  a.num_heads = o.num_heads;
  a.d_kv = o.d_kv;
  a.bias = false;
  a.scale = 1.0;  // T5 folds the 1/sqrt(d) into its initialisation
  a.dropout = o.dropout;
  a.q_name = "q";
  a.k_name = "k";
  a.v_name = "v";
  a.o_name = "o";
  a.bidirectional = bidirectional;
  a.num_buckets = o.num_buckets;
  a.max_distance = o.max_distance;
  return a;
}

T5EncoderLayer::T5EncoderLayer(const T5LayerOptions& o, DType dtype) : options_(o) {
  attention_ = register_module("layer.0.SelfAttention",
                               std::make_shared<MultiHeadAttention>(t5_attention_options(o, true), dtype));
  if (o.has_relative_bias)
    relative_bias_ = register_parameter("layer.0.SelfAttention.relative_attention_bias.weight",
                                        Tensor::zeros({o.num_buckets, o.num_heads}, dtype));
  attention_norm_ = register_module("layer.0.layer_norm", std::make_shared<RMSNorm>(o.d_model, o.norm_eps, dtype));
  ffn_ = register_module("layer.1.DenseReluDense", std::make_shared<FeedForward>(t5_feed_forward_options(o), dtype));
  ffn_norm_ = register_module("layer.1.layer_norm", std::make_shared<RMSNorm>(o.d_model, o.norm_eps, dtype));
}

Var T5EncoderLayer::attention_branch(const Var& x, const AttentionContext& ctx) const {
  return dropout(attention_->self_attention(attention_norm_->forward(x), ctx), options_.dropout, training());
}

Var T5EncoderLayer::feed_forward_branch(const Var& h) const {
  return dropout(ffn_->forward(ffn_norm_->forward(h)), options_.dropout, training());
}

Var T5EncoderLayer::forward(const Var& x, const AttentionContext& ctx) const {
  Var h = x + attention_branch(x, ctx);
  return h + feed_forward_branch(h);
}

Var T5EncoderLayer::residual_branch(const Var& x, const AttentionContext& ctx) const {
  Var a = attention_branch(x, ctx);
  return a + feed_forward_branch(x + a);
}

}  // namespace vcc::nn
