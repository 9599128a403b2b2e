#include "data/random.h"

#include <numeric>

#include "core/error.h"

namespace vcc::data {

uint64_t RandomStream::below(uint64_t bound) {
  VCC_CHECK(bound >= 1, "RandomStream::below(0)");
  // Lemire's nearly divisionless method: exact uniformity via rejection of a small range.
  uint64_t x = next_u64();
  unsigned __int128 m = static_cast<unsigned __int128>(x) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      x = next_u64();
      m = static_cast<unsigned __int128>(x) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

std::vector<int64_t> random_permutation(int64_t n, uint64_t seed, uint64_t stream) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), int64_t{0});
  RandomStream rs(seed, stream);
  rs.shuffle(p);
  return p;
}

}  // namespace vcc::data
