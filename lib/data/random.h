#pragma once
// Deterministic random draws for the data layer (shuffles, synthetic data): a Philox
// stream keyed by (seed, stream id), so results depend only on those, never on the machine,
// the thread count or the order other streams were used in.
#include <cstdint>
#include <vector>

#include "core/rng.h"

namespace vcc::data {

class RandomStream {
 public:
  RandomStream(uint64_t seed, uint64_t stream) : seed_(seed), stream_(stream) {}
  // 64 uniformly random bits.
  uint64_t next_u64() {
    uint32_t r[4];
    Philox::draw(seed_, counter_++, stream_, r);
    return (static_cast<uint64_t>(r[0]) << 32) | r[1];
  }
  // Uniform integer in [0, bound) (bound >= 1), by multiply-shift (Lemire) with rejection.
  uint64_t below(uint64_t bound);
  // Uniform integer in [lo, hi] (inclusive).
  int64_t between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1)); }
  double uniform() { return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0); }
  // Fisher-Yates shuffle in place.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }
  uint64_t counter() const { return counter_; }

 private:
  uint64_t seed_, stream_;
  uint64_t counter_ = 0;
};

// A permutation of 0..n-1 drawn from (seed, stream).
std::vector<int64_t> random_permutation(int64_t n, uint64_t seed, uint64_t stream);

}  // namespace vcc::data
