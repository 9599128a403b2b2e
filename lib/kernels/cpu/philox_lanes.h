#pragma once
// Many Philox blocks at once for the CPU dropout masks: the blocks side by side in vector
// lanes (AVX-512: 8 per instruction, AVX2: 4), chosen at run time like the attention tiles
// (core/cpu_isa.h). The numbers are exactly Philox::draw's (core/rng.h): integer arithmetic.
#include <cstdint>

namespace vcc::kernels::cpu {

// Philox::draw(seed, first + c, counter_hi, out + 4 * c) for c in [0, count).
void philox_consecutive(uint64_t seed, uint64_t first, uint64_t count, uint64_t counter_hi, uint32_t* out);

}  // namespace vcc::kernels::cpu
