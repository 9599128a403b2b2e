// CPU launcher for dropout with the functor of kernels/dropout_ops.h: one Philox block
// serves four consecutive elements, so tasks split the tensor at multiples of four.
#include "core/parallel.h"
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
      for (int64_t q = q0; q < q1; ++q) {
        bool kept[4];
        Dropout::keep4(seed, offset, static_cast<uint64_t>(q), p, kept);
        const int64_t i0 = 4 * q;
        for (int j = 0; j < 4 && i0 + j < n; ++j) op[i0 + j] = Dropout::apply(xp[i0 + j], kept[j], scale);
      }
    });
  });
}

}  // namespace vcc::kernels::cpu
