#include "nn/t5_decoder_layer.h"

#include "autograd/ops_elementwise.h"
#include "autograd/ops_nn.h"

namespace vcc::nn {

T5DecoderLayer::T5DecoderLayer(const T5LayerOptions& o, DType dtype) : options_(o) {
  self_attention_ = register_module("layer.0.SelfAttention",
                                    std::make_shared<MultiHeadAttention>(t5_attention_options(o, false), dtype));
  if (o.has_relative_bias)
    relative_bias_ = register_parameter("layer.0.SelfAttention.relative_attention_bias.weight",
                                        Tensor::zeros({o.num_buckets, o.num_heads}, dtype));
  self_norm_ = register_module("layer.0.layer_norm", std::make_shared<RMSNorm>(o.d_model, o.norm_eps, dtype));
  cross_attention_ = register_module("layer.1.EncDecAttention",
                                     std::make_shared<MultiHeadAttention>(t5_attention_options(o, true), dtype));
  cross_norm_ = register_module("layer.1.layer_norm", std::make_shared<RMSNorm>(o.d_model, o.norm_eps, dtype));
  ffn_ = register_module("layer.2.DenseReluDense", std::make_shared<FeedForward>(t5_feed_forward_options(o), dtype));
  ffn_norm_ = register_module("layer.2.layer_norm", std::make_shared<RMSNorm>(o.d_model, o.norm_eps, dtype));
}

// layer.1 and layer.2 given the cross-attention output for the normalised states.
Var T5DecoderLayer::cross_and_ffn(const Var& h, const Var& cross) const {
  Var h2 = h + dropout(cross, options_.dropout, training());
  return h2 + dropout(ffn_->forward(ffn_norm_->forward(h2)), options_.dropout, training());
}

Var T5DecoderLayer::forward(const Var& x, const AttentionContext& self_ctx, const Var& encoder_states,
                            const Tensor& encoder_mask) const {
  Var h = x + dropout(self_attention_->self_attention(self_norm_->forward(x), self_ctx, /*causal=*/true),
                      options_.dropout, training());
  return cross_and_ffn(h, cross_attention_->cross_attention(cross_norm_->forward(h), encoder_states, encoder_mask));
}

DecoderLayerCache T5DecoderLayer::start_cache(const Var& encoder_states, const Tensor& encoder_mask,
                                              int64_t capacity) const {
  NoGradGuard no_grad;
  DecoderLayerCache c;
  const int64_t B = encoder_states.size(0), H = options_.num_heads, D = options_.d_kv;
  const Device device = encoder_states.value().device();
  c.self_k = Tensor::zeros({B, capacity, H, D}, encoder_states.dtype(), device);
  c.self_v = Tensor::zeros({B, capacity, H, D}, encoder_states.dtype(), device);
  c.cross_k = cross_attention_->key(encoder_states).value().contiguous();
  c.cross_v = cross_attention_->value(encoder_states).value().contiguous();
  c.encoder_mask = encoder_mask;
  return c;
}

Var T5DecoderLayer::forward_cached(const Var& x, const Var& relative_bias_table, DecoderLayerCache& cache) const {
  NoGradGuard no_grad;
  const int64_t t = x.size(1);
  VCC_CHECK(cache.length + t <= cache.self_k.size(1), "decoder cache full: ", cache.length, " + ", t, " > ",
            cache.self_k.size(1));
  Var normed = self_norm_->forward(x);
  cache.self_k.narrow(1, cache.length, t).copy_(self_attention_->key(normed).value());
  cache.self_v.narrow(1, cache.length, t).copy_(self_attention_->value(normed).value());
  cache.length += t;
  AttentionOptions so;
  so.causal = true;  // the new queries sit at the end: positions length - t .. length - 1
  so.relative_bias_table = relative_bias_table;
  Var k(cache.self_k.narrow(1, 0, cache.length)), v(cache.self_v.narrow(1, 0, cache.length));
  Var h = x + dropout(self_attention_->attend(self_attention_->query(normed), k, v, so), options_.dropout, training());

  AttentionOptions co;
  co.key_mask = cache.encoder_mask;
  Var cross = cross_attention_->attend(cross_attention_->query(cross_norm_->forward(h)), Var(cache.cross_k),
                                       Var(cache.cross_v), co);
  return cross_and_ffn(h, cross);
}

}  // namespace vcc::nn
