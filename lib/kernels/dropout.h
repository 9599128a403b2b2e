#pragma once
// Inverted dropout with a counter-based mask, on any device. Backward is the same function
// applied to the gradient with the same (seed, offset): the mask is recomputed, not saved.
#include <cstdint>

#include "core/tensor.h"

namespace vcc::kernels {

// x with element i (row-major) zeroed unless Philox::uniform(seed, offset, i) >= p and the
// kept ones scaled by 1 / (1 - p); all zeros when p == 1.
Tensor dropout(const Tensor& x, double p, uint64_t seed, uint64_t offset);

// Backend launchers (called by the front end only): x and out contiguous.
namespace cpu {
void dropout(const Tensor& x, double p, uint64_t seed, uint64_t offset, const Tensor& out);
}  // namespace cpu
namespace cuda {
void dropout(const Tensor& x, double p, uint64_t seed, uint64_t offset, const Tensor& out);
}  // namespace cuda

}  // namespace vcc::kernels
