#pragma once
// Counter-based random numbers (Philox-4x32-10, Salmon et al. 2011). A draw is a pure
// function of (seed, counter), so any thread or device computes the same value for the
// same element: dropout masks do not depend on thread count or on CPU vs GPU.
#include <cstdint>

#include "core/hostdevice.h"
#include "core/math.h"

namespace vcc {

struct Philox {
  // Four 32-bit outputs for a 128-bit counter (counter_hi:counter_lo) and 64-bit key.
  VCC_HOST_DEVICE static void draw(uint64_t seed, uint64_t counter_lo, uint64_t counter_hi, uint32_t out[4]) {
    uint32_t c0 = static_cast<uint32_t>(counter_lo), c1 = static_cast<uint32_t>(counter_lo >> 32);
    uint32_t c2 = static_cast<uint32_t>(counter_hi), c3 = static_cast<uint32_t>(counter_hi >> 32);
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
      uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c0;
      uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c2;
      uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
      uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
      uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
      c0 = n0; c1 = n1; c2 = n2; c3 = n3;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
  }

  // Uniform float in [0, 1) for element `index` of stream (seed, offset): 24 random bits.
  VCC_HOST_DEVICE static float uniform(uint64_t seed, uint64_t offset, uint64_t index) {
    uint32_t r[4];
    draw(seed, index >> 2, offset, r);
    return static_cast<float>(r[index & 3] >> 8) * (1.0f / 16777216.0f);
  }
  // Uniform double in [0, 1) with 53 random bits.
  VCC_HOST_DEVICE static double uniform_double(uint64_t seed, uint64_t offset, uint64_t index) {
    uint32_t r[4];
    draw(seed, index >> 1, offset, r);
    uint64_t bits = (static_cast<uint64_t>(r[(index & 1) * 2]) << 32) | r[(index & 1) * 2 + 1];
    return static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0);
  }
  // Standard normal by Box-Muller from two uniforms of the stream.
  VCC_HOST_DEVICE static double normal(uint64_t seed, uint64_t offset, uint64_t index) {
    uint32_t r[4];
    draw(seed, index, offset ^ 0x9E3779B97F4A7C15ull, r);
    double u1 = static_cast<double>(((static_cast<uint64_t>(r[0]) << 32) | r[1]) >> 11) * (1.0 / 9007199254740992.0);
    double u2 = static_cast<double>(((static_cast<uint64_t>(r[2]) << 32) | r[3]) >> 11) * (1.0 / 9007199254740992.0);
    u1 = 1.0 - u1;  // (0, 1]: log is finite
    return math::sqrt(-2.0 * math::log(u1)) * math::cos(6.283185307179586 * u2);
  }
};

// A seeded generator that hands out fresh stream offsets. Every random op takes one
// offset and derives element draws from (seed, offset, element index). Saving/restoring
// `offset` reproduces the sequence exactly (checkpoint resume, activation recompute).
class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) { seed_ = seed; offset_ = offset; }
  uint64_t next_offset() { return offset_++; }
  double uniform() { return Philox::uniform_double(seed_, next_offset(), 0); }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The process-wide generator used by dropout and initialisation unless one is passed.
Generator& default_generator();

}  // namespace vcc
