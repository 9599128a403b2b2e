#include "models/encoder_stack.h"

namespace vcc::models {

void configure_encoder_stack(nn::LayerStack& stack, const ModelConfig& config) {
  if (!config.vcc.enabled) {
    stack.set_segment_local(config.segment_local_layers, config.segment_size);
    return;
  }
  stack.set_segment_local(config.vcc.standard_layers, config.vcc.segment_size);
  install_vcc(stack, config.vcc);
}

std::shared_ptr<VccStack> vcc_of(const nn::LayerStack& stack) {
  return std::dynamic_pointer_cast<VccStack>(stack.override_hook());
}

}  // namespace vcc::models
