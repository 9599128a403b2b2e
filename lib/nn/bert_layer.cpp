#include "nn/bert_layer.h"

#include <cmath>

#include "autograd/ops_elementwise.h"
#include "autograd/ops_nn.h"

namespace vcc::nn {

BertLayer::BertLayer(const BertLayerOptions& o, DType dtype) : options_(o) {
  VCC_CHECK(o.d_model % o.num_heads == 0, "BertLayer: d_model ", o.d_model, " not divisible by ", o.num_heads, " heads");
  MultiHeadAttentionOptions a;
  a.d_model = o.d_model;
  a.num_heads = o.num_heads;
  a.d_kv = o.d_model / o.num_heads;
  a.bias = true;
  // Hugging Face divides q.k by sqrt(d); the VCC paper's RoBERTa scales q and k by d^-1/4
  // each, which is the same product up to one float rounding.
  a.scale = 1.0 / std::sqrt(static_cast<double>(a.d_kv));
  a.dropout = o.attention_dropout;
  a.q_name = "self.query";
  a.k_name = "self.key";
  a.v_name = "self.value";
  a.o_name = "output.dense";
  attention_ = register_module("attention", std::make_shared<MultiHeadAttention>(a, dtype));
  attention_norm_ = register_module(o.pre_ln ? "attention.LayerNorm" : "attention.output.LayerNorm",
                                    std::make_shared<LayerNorm>(o.d_model, o.norm_eps, dtype));
  if (o.pre_ln)
    ffn_norm_ = register_module("intermediate.LayerNorm", std::make_shared<LayerNorm>(o.d_model, o.norm_eps, dtype));
  intermediate_ = register_module("intermediate.dense", std::make_shared<Linear>(o.d_model, o.d_ff, true, dtype));
  output_ = register_module("output.dense", std::make_shared<Linear>(o.d_ff, o.d_model, true, dtype));
  if (!o.pre_ln)
    ffn_norm_ = register_module("output.LayerNorm", std::make_shared<LayerNorm>(o.d_model, o.norm_eps, dtype));
}

Var BertLayer::attention_input(const Var& x) const { return options_.pre_ln ? attention_norm_->forward(x) : x; }

Var BertLayer::attention_branch(const Var& x, const AttentionContext& ctx) const {
  return dropout(attention_->self_attention(attention_input(x), ctx), options_.hidden_dropout, training());
}

Var BertLayer::feed_forward_branch(const Var& h) const {
  Var in = options_.pre_ln ? ffn_norm_->forward(h) : h;
  Var f = output_->forward(activate(options_.activation, intermediate_->forward(in)));
  return dropout(f, options_.hidden_dropout, training());
}

Var BertLayer::forward(const Var& x, const AttentionContext& ctx) const {
  if (options_.pre_ln) {
    Var h = attention_branch(x, ctx) + x;
    return feed_forward_branch(h) + h;
  }
  Var h = attention_norm_->forward(attention_branch(x, ctx) + x);
  return ffn_norm_->forward(feed_forward_branch(h) + h);
}

Var BertLayer::residual_branch(const Var& x, const AttentionContext& ctx) const {
  if (!options_.pre_ln) return forward(x, ctx) - x;
  Var a = attention_branch(x, ctx);
  return a + feed_forward_branch(x + a);
}

}  // namespace vcc::nn
