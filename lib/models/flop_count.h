#pragma once
// Matrix-multiply FLOPs of a training step, counted from the architecture: what the
// speed-up of VCC over full attention should be if every product ran at the same rate.
// Counted: the linear layers, attention's Q K^T and P V (segment-local, full or over the
// compressed sequence), VCC's block scoring (VIP queries x block keys) and the heads.
// Not counted: norms, softmax, activations, gathers and the block tree's sums, all O(n d)
// with a small constant. A multiply-add is 2 FLOPs; backward is taken as twice forward.
#include <cstdint>
#include <string>

#include "models/model_config.h"

namespace vcc::models {

struct StepFlops {
  double standard_layers = 0;  // layers with full or segment-local attention over n tokens
  double vcc_layers = 0;       // layers over the compressed sequence, with block scoring
  double decoder = 0;          // T5 decoder (self-attention, cross-attention to n tokens, FFN)
  double heads = 0;            // span / answer-type heads, T5 LM head
  double forward() const { return standard_layers + vcc_layers + decoder + heads; }
  double training_step() const { return 3.0 * forward(); }
};

// FLOPs of one sequence of `length` encoder tokens (and `target_length` decoder tokens
// for T5) through the model the config describes: VCC when config.vcc.enabled, otherwise
// plain layers (the first segment_local_layers attending within segments).
StepFlops count_step_flops(const ModelConfig& config, int64_t length, int64_t target_length = 0);

}  // namespace vcc::models
