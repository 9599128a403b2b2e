#pragma once
// Core's copy and fill of tensors in CUDA memory (the DeviceCopyHooks of core/tensor.h):
// host <-> device, device <-> device (also across devices), any strides, converting between
// any two of float32/64, int32/64, uint8 and bfloat16 with core's conversion rules.
#include "core/tensor.h"

namespace vcc::cuda {

// dst and src have the same shape; at least one is on a CUDA device.
void device_copy(const Tensor& dst, const Tensor& src);
// dst on a CUDA device; value converted as static_cast (through float for bfloat16).
void device_fill(const Tensor& dst, double value);

}  // namespace vcc::cuda
