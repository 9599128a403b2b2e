#pragma once
// Dropout's mask as a host/device functor: element i of a call is kept when its uniform
// draw Philox::uniform(seed, offset, i) is at least p. A pure function of (seed, offset,
// i), so backward recomputes the mask instead of saving it, and every thread and device
// agrees. The CPU loop (cpu/dropout_cpu.cpp) and CUDA kernels instantiate exactly this.
#include <cstdint>

#include "core/hostdevice.h"
#include "core/rng.h"

namespace vcc::kernels {

struct Dropout {
  VCC_HOST_DEVICE static bool keep(uint64_t seed, uint64_t offset, uint64_t i, double p) {
    return Philox::uniform(seed, offset, i) >= p;
  }
  // keep() of elements 4q .. 4q+3 from their one shared Philox block (the same draws that
  // Philox::uniform takes element by element).
  VCC_HOST_DEVICE static void keep4(uint64_t seed, uint64_t offset, uint64_t q, double p, bool out[4]) {
    uint32_t r[4];
    Philox::draw(seed, q, offset, r);
    for (int j = 0; j < 4; ++j) out[j] = keep_word(r[j], p);
  }
  // The keep test on one 32-bit Philox word: its uniform (24 bits) is at least p.
  VCC_HOST_DEVICE static bool keep_word(uint32_t word, double p) {
    return static_cast<float>(word >> 8) * (1.0f / 16777216.0f) >= p;
  }
  // Kept elements scaled by 1 / (1 - p), the rest zero.
  template <class T>
  VCC_HOST_DEVICE static T apply(T x, bool kept, T scale) { return kept ? x * scale : T(0); }
};

}  // namespace vcc::kernels
