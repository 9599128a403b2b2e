#include "vcc/vcc_stack.h"

#include <vector>

#include "core/error.h"
#include "nn/encoder_layer.h"
#include "vcc/vcc_region.h"

namespace vcc {
namespace {

// One model layer seen through VccLayerInterface.
class EncoderLayerAdapter : public VccLayerInterface {
 public:
  EncoderLayerAdapter(const nn::EncoderLayer& layer, const Var& relative_bias_table)
      : layer_(layer), table_(relative_bias_table) {}

  Var vip_block_attention(const Var& vips, const Var& block_means, const Tensor& block_mask, const Tensor& vip_positions,
                          const Tensor& block_positions) override {
    return layer_.self_attention().probabilities(layer_.attention_input(vips), layer_.attention_input(block_means),
                                                 block_mask, Var(), table_, table_.defined() ? vip_positions : Tensor(),
                                                 table_.defined() ? block_positions : Tensor());
  }

  Var residual_branch(const Var& z, const CompressedAttention& attention) override {
    nn::AttentionContext ctx;
    ctx.key_mask = attention.key_mask;
    ctx.key_bias = attention.key_bias;
    if (table_.defined()) {
      ctx.positions = attention.positions;
      ctx.relative_bias_table = table_;
    }
    return layer_.residual_branch(z, ctx);
  }

 private:
  const nn::EncoderLayer& layer_;
  Var table_;
};

}  // namespace

VccStack::VccStack(const VccConfig& config) : config_(config) {}

Var VccStack::forward(const nn::LayerStack& stack, const Var& hidden, const nn::AttentionContext& ctx) {
  const int64_t B = hidden.size(0), n = hidden.size(1);
  const Tensor& importance = ctx.importance_mask;
  VCC_USER_CHECK(importance.defined(),
                 "VCC layers need an importance mask marking the VIP tokens (the question) with the model inputs; "
                 "vcc-preprocess stores one in every split");
  VCC_USER_CHECK(importance.dim() == 2 && importance.size(0) == B && importance.size(1) == n,
                 "importance mask ", importance.describe(), " does not match the hidden states ",
                 hidden.value().describe());
  std::vector<std::unique_ptr<EncoderLayerAdapter>> adapters;
  std::vector<VccLayerInterface*> layers;
  for (size_t i = first_layer(); i < stack.size(); ++i) {
    adapters.push_back(std::make_unique<EncoderLayerAdapter>(stack.layer(i), ctx.relative_bias_table));
    layers.push_back(adapters.back().get());
  }
  VccInputs in;
  in.hidden = hidden;
  in.attention_mask = ctx.key_mask.defined() ? ctx.key_mask : Tensor::ones({B, n}, DType::I64, hidden.device());
  in.importance_mask = importance.to(hidden.device());
  in.positions = ctx.positions;
  VccRunOptions options;
  options.training = stack.layer(first_layer()).training();
  VccOutputs out = run_vcc_region(in, layers, config_, options);
  traces_ = std::move(out.layers);
  block_mask_ = out.block_mask;
  block_positions_ = out.block_positions;
  return out.hidden;
}

std::shared_ptr<VccStack> install_vcc(nn::LayerStack& stack, const VccConfig& config) {
  VCC_USER_CHECK(config.standard_layers >= 0 && static_cast<size_t>(config.standard_layers) < stack.size(),
                 "model.vcc.standard_layers is ", config.standard_layers, " but the encoder has ", stack.size(),
                 " layers: no layer would be a VCC layer");
  auto v = std::make_shared<VccStack>(config);
  stack.set_override(v);
  return v;
}

}  // namespace vcc
