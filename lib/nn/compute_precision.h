#pragma once
// train.precision applied to a model: with bf16, every Linear multiplies bfloat16 operands
// (nn/linear.h) and every fused attention takes bfloat16 operands in its products
// (nn/multi_head_attention.h); with fp32 both go back to float32. core/precision.h says what
// stays float32 either way.
#include "core/precision.h"
#include "nn/module.h"

namespace vcc::nn {

struct PrecisionChanges {
  int linears = 0;     // Linear layers set
  int attentions = 0;  // MultiHeadAttention modules set
};

PrecisionChanges set_compute_precision(Module& root, Precision precision);

}  // namespace vcc::nn
