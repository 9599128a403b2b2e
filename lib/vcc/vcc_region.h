#pragma once
// The VCC region of an encoder (spec §2.1, §3): enter (stable sort by importance, VIP
// slots, initial coarsening), one compressed update per VCC layer, exit (rebuild and
// un-sort all n tokens).
#include <vector>

#include "autograd/variable.h"
#include "core/rng.h"
#include "vcc/vcc_config.h"
#include "vcc/vcc_layer.h"

namespace vcc {

struct VccInputs {
  Var hidden;                // [B, n, d] states after the standard layers
  Tensor attention_mask;     // [B, n] (any int/float dtype; nonzero = real token)
  Tensor importance_mask;    // [B, n] (nonzero = VIP candidate, e.g. the question)
  Tensor positions;          // [B, n] int64, optional (T5); defaults to 0..n-1
};

// What each VCC layer selected (for logs, tests and the reference checks).
struct VccLayerTrace {
  Tensor fine_blocks;   // [B, k] best first
  Tensor ranking;       // [B, N] fine blocks then coarse ones
  Tensor log_scores;    // [B, N] l_j
  Tensor scores;        // [B, N] softmax(l)
};

struct VccRunOptions {
  bool training = false;              // enables exploration (explore_prob)
  Generator* generator = nullptr;     // exploration draws; default_generator() if null
  // Oracle tests only: replay these rankings ([B, N] per layer) instead of selecting, and
  // with baselines use 1 +/- (s - baseline) as block scores, so finite differences see the
  // straight-through path (the value is still 1 at s = baseline).
  std::vector<Tensor> replay_rankings;
  std::vector<Tensor> score_baselines;
};

struct VccOutputs {
  Var hidden;                        // [B, n, d] in the original order, 0 at padded positions
  std::vector<VccLayerTrace> layers;
  Tensor sorted_order;               // [B, n] sigma
  Tensor block_mask;                 // [B, N]
  Tensor block_positions;            // [B, N]
};

// Runs `layers` as VCC layers.
VccOutputs run_vcc_region(const VccInputs& inputs, const std::vector<VccLayerInterface*>& layers,
                          const VccConfig& config, const VccRunOptions& options = {});

// Round half to even of the mean of each block's b positions (padding included), as
// torch.round computes it (spec §3.2, T5 only).
Tensor block_mean_positions(const Tensor& token_positions);

}  // namespace vcc
