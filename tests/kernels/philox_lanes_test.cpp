// Philox blocks drawn in vector lanes (kernels/cpu/philox_lanes.h) are Philox::draw's, on
// every instruction-set path this CPU has.
#include <gtest/gtest.h>

#include <vector>

#include "core/cpu_isa.h"
#include "core/rng.h"
#include "kernels/cpu/philox_lanes.h"

using namespace vcc;

TEST(PhiloxLanes, SameWordsAsDrawOnEveryPath) {
  std::vector<CpuIsa> paths{CpuIsa::Generic};
  if (cpu_isa_available() >= CpuIsa::Avx2) paths.push_back(CpuIsa::Avx2);
  if (cpu_isa_available() >= CpuIsa::Avx512) paths.push_back(CpuIsa::Avx512);
  const CpuIsa saved = cpu_isa_cap();
  for (CpuIsa isa : paths) {
    cap_cpu_isa(isa);
    // Counts around the 4- and 8-block vectors; counters that carry into the high 32 bits;
    // seeds and stream words with high halves set.
    for (uint64_t first : {uint64_t{0}, uint64_t{5}, (uint64_t{1} << 32) - 7, ~uint64_t{0} - 40})
      for (uint64_t count : {1, 3, 4, 5, 7, 8, 9, 17, 65})
        for (uint64_t seed : {uint64_t{0}, uint64_t{0x1234567890ABCDEF}})
          for (uint64_t stream : {uint64_t{99}, uint64_t{0xF00DFACECAFEBEEF}}) {
            std::vector<uint32_t> got(4 * count + 4, 0xDEADBEEFu);
            kernels::cpu::philox_consecutive(seed, first, count, stream, got.data());
            for (uint64_t c = 0; c < count; ++c) {
              uint32_t want[4];
              Philox::draw(seed, first + c, stream, want);
              for (int w = 0; w < 4; ++w)
                ASSERT_EQ(got[4 * c + w], want[w]) << isa_name(isa) << ": first " << first << ", block " << c;
            }
            for (int w = 0; w < 4; ++w) ASSERT_EQ(got[4 * count + w], 0xDEADBEEFu) << isa_name(isa) << ": wrote past the end";
          }
  }
  cap_cpu_isa(saved);
}
