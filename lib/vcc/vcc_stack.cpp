#include "vcc/vcc_stack.h"

#include <vector>

#include "core/error.h"
#include "nn/encoder_layer.h"
#include "vcc/encoder_layer_adapter.h"
#include "vcc/vcc_region.h"

namespace vcc {

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
    const nn::EncoderLayer& layer = stack.layer(i);
    adapters.push_back(std::make_unique<EncoderLayerAdapter>(
        layer, ctx.relative_bias_table, config_.keeps_attention_dropout(layer.vcc_keeps_attention_dropout())));
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
