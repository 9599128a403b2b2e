#pragma once
// VccStack: runs an encoder's layers L_s.. as VCC layers (spec §2.1, §3) through the
// nn::LayerStack override hook, with every nn::EncoderLayer adapted to VccLayerInterface
// (its own norm and q/k projections score the blocks; its residual branch updates the
// compressed sequence). The batch's importance mask (VIP candidates) arrives in the
// attention context the model builds from its inputs.
#include <memory>
#include <vector>

#include "nn/layer_stack.h"
#include "vcc/vcc_config.h"
#include "vcc/vcc_region.h"

namespace vcc {

class VccStack : public nn::LayerStackOverride {
 public:
  explicit VccStack(const VccConfig& config);

  size_t first_layer() const override { return static_cast<size_t>(config_.standard_layers); }
  const VccConfig& config() const { return config_; }
  VccConfig& mutable_config() { return config_; }
  // What the last forward pass selected per VCC layer, its block mask and positions.
  const std::vector<VccLayerTrace>& last_traces() const { return traces_; }
  const Tensor& last_block_mask() const { return block_mask_; }
  const Tensor& last_block_positions() const { return block_positions_; }

  // Exploration (explore_prob) follows the layers' training mode.
  Var forward(const nn::LayerStack& stack, const Var& hidden, const nn::AttentionContext& ctx) override;

 private:
  VccConfig config_;
  std::vector<VccLayerTrace> traces_;
  Tensor block_mask_, block_positions_;
};

// Installs a VccStack on `stack` (error naming the numbers when L_s does not leave a VCC
// layer); returns it.
std::shared_ptr<VccStack> install_vcc(nn::LayerStack& stack, const VccConfig& config);

}  // namespace vcc
