#pragma once
// How a model's encoder layers run: plain, segment-local in the first layers, and with
// model.vcc.enabled the VCC region (spec §2.1) on the layers after vcc.standard_layers.
#include <memory>

#include "models/model_config.h"
#include "nn/layer_stack.h"
#include "vcc/vcc_stack.h"

namespace vcc::models {

// Sets up `stack` for the config: without VCC the first segment_local_layers attend within
// segments of segment_size; with VCC the vcc.standard_layers leading layers are the
// segment-local ones (vcc.segment_size) and the rest run compressed.
void configure_encoder_stack(nn::LayerStack& stack, const ModelConfig& config);

// The VCC region installed on a stack, or null.
std::shared_ptr<VccStack> vcc_of(const nn::LayerStack& stack);

}  // namespace vcc::models
