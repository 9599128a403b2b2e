#pragma once
// bfloat16 storage type for CUDA kernels, converted exactly as core's float_to_bf16 /
// bf16_to_float on the host (round to nearest even, NaN -> 0x7fc0), so that a tensor
// converted on either device holds the same bits.
#include <cstdint>
#include <cstring>

#include "core/hostdevice.h"

namespace vcc::cuda {

struct BF16 {
  uint16_t bits;
};

VCC_HOST_DEVICE float to_float(BF16 h) {
  const uint32_t u = static_cast<uint32_t>(h.bits) << 16;
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

VCC_HOST_DEVICE BF16 to_bf16(float f) {
  if (f != f) return BF16{0x7fc0};
#if defined(__CUDA_ARCH__)
  const uint32_t u = __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
#endif
  const uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
  return BF16{static_cast<uint16_t>((u + rounding) >> 16)};
}

}  // namespace vcc::cuda
