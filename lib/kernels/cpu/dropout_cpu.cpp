// CPU launcher for dropout with the functor of kernels/dropout_ops.h: one Philox block
// serves four consecutive elements, so tasks split the tensor at multiples of four.
#include <algorithm>

#include "core/parallel.h"
#include "kernels/cpu/philox_lanes.h"
#include "kernels/dropout.h"
#include "kernels/dropout_ops.h"

namespace vcc::kernels::cpu {

void dropout(const Tensor& x, double p, uint64_t seed, uint64_t offset, const Tensor& out) {
  dispatch_float(x.dtype(), "dropout", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xp = x.data<T>();
    T* op = out.data<T>();
    const T scale = static_cast<T>(1.0 / (1.0 - p));
    const int64_t n = x.numel(), blocks = (n + 3) / 4;
    parallel_for(0, blocks, 1 << 12, [&](int64_t q0, int64_t q1) {
      // Blocks in chunks drawn side by side (kernels/cpu/philox_lanes.h): the same words that
      // Dropout::keep4 draws one block at a time, and the same keep test on them.
      constexpr int64_t kChunk = 256;
      uint32_t words[4 * kChunk];
      for (int64_t c0 = q0; c0 < q1; c0 += kChunk) {
        const int64_t count = std::min(kChunk, q1 - c0);
        philox_consecutive(seed, static_cast<uint64_t>(c0), static_cast<uint64_t>(count), offset, words);
        const int64_t i0 = 4 * c0, i1 = std::min(n, 4 * (c0 + count));
        for (int64_t i = i0; i < i1; ++i) op[i] = Dropout::apply(xp[i], Dropout::keep_word(words[i - i0], p), scale);
      }
    });
  });
}

}  // namespace vcc::kernels::cpu
