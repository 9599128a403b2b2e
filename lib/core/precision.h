#pragma once
// Mixed-precision policy of training (`train.precision`, spec §6). Master weights, their
// gradients and the optimizer state stay float32. With bf16 the matrix products take
// bfloat16 operands and accumulate in float32: those of the nn::Linear layers (attention
// projections and feed-forward: most of an encoder layer's FLOPs at 512 tokens; oneDNN on the
// CPU, cuBLAS CUBLAS_COMPUTE_32F on a GPU) and the fused attention's five products (most of
// them at 4K tokens and beyond; VDPBF16PS on the CPU where it exists, kernels/attention.h).
// Attention logits and softmax, VCC block means and block scoring, norms, losses and
// reductions stay float32, and so do the output heads (span/MLM heads, T5's lm_head), which
// call the float32 `linear` op directly. nn/compute_precision.h applies it to a model.
// bfloat16 has float32's exponent range, so no loss scaling is needed.
#include <string>
#include <string_view>

#include "core/dtype.h"
#include "core/error.h"

namespace vcc {

enum class Precision { FP32, BF16 };

// "fp32" or "bf16" (the trainer's `train.precision` setting).
inline Precision parse_precision(std::string_view name) {
  if (name == "fp32") return Precision::FP32;
  if (name == "bf16") return Precision::BF16;
  VCC_USER_CHECK(false, "option 'train.precision': unknown value '", std::string(name), "' (expected fp32 or bf16)");
  return Precision::FP32;
}

inline std::string_view precision_name(Precision p) { return p == Precision::BF16 ? "bf16" : "fp32"; }

// The dtype of the Linear layers' GEMM operands.
inline DType compute_dtype(Precision p) { return p == Precision::BF16 ? DType::BF16 : DType::F32; }

}  // namespace vcc
