#pragma once
// Mixed-precision policy of GPU training (spec §6), host-only and safe in CPU builds:
// master weights and optimizer state stay float32; with `bf16`, activations and matrix
// products on a CUDA device run in bfloat16 (fp32 accumulation in cuBLAS), while attention
// logits/softmax, VCC block means, norms' statistics, losses and reductions stay float32.
// bfloat16 has float32's exponent range, so no loss scaling is needed.
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/tensor.h"

namespace vcc {

enum class Precision { FP32, BF16 };

// "fp32" or "bf16" (the trainer's `precision` setting).
inline Precision parse_precision(std::string_view name) {
  if (name == "fp32") return Precision::FP32;
  if (name == "bf16") return Precision::BF16;
  VCC_USER_CHECK(false, "precision: unknown value '", std::string(name), "' (expected fp32 or bf16)");
  return Precision::FP32;
}

inline std::string_view precision_name(Precision p) { return p == Precision::BF16 ? "bf16" : "fp32"; }

// The dtype compute tensors use on `device`: bfloat16 only for bf16 on a CUDA device (the
// CPU kernels compute in float32/float64).
inline DType compute_dtype(Precision p, Device device) {
  return p == Precision::BF16 && device.is_cuda() ? DType::BF16 : DType::F32;
}

// x in the compute dtype of its device (x itself when it already is).
inline Tensor to_compute(const Tensor& x, Precision p) { return x.to(compute_dtype(p, x.device())); }

// x in float32: a gradient on its way into a float32 master, or a value that must stay in
// full precision (attention logits, block means, losses).
inline Tensor to_float32(const Tensor& x) { return x.to(DType::F32); }

// Refreshes a compute copy in place from its float32 master (after each optimizer step);
// rounds to nearest even, the same bits on the host and the device.
inline void refresh_compute_copy(const Tensor& compute, const Tensor& master) {
  Tensor(compute).copy_(master);
}

}  // namespace vcc
