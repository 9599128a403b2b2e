// CPU launchers for reductions: loops over the [outer, n, inner] view with the functors of
// kernels/reduce_ops.h. Each output is accumulated by one task in a fixed order.
#include <algorithm>

#include "kernels/cpu/axis_loop.h"
#include "kernels/cpu/lanes.h"
#include "kernels/reduce.h"
#include "kernels/reduce_ops.h"

namespace vcc::kernels::cpu {
namespace {

constexpr int64_t kSumChunk = 1 << 16;  // sum_all's fixed chunk: part of its result's definition

}  // namespace

void sum(const Tensor& x, int64_t outer, int64_t n, int64_t inner, double divisor, const Tensor& out) {
  dispatch_float(x.dtype(), "sum", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = acc_t<T>;
    const T* xp = x.data<T>();
    T* op = out.data<T>();
    if (inner == 1) {
      parallel_for(0, outer, rows_per_task(n), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const T* row = xp + r * n;
          op[r] = static_cast<T>(lane_sum<Acc>(n, [&](int64_t i) { return row[i]; }) / divisor);
        }
      });
      return;
    }
    for_column_blocks(outer, n, inner, [&](int64_t o, int64_t i0, int64_t i1) {
      Acc acc[kColumnBlock] = {};
      const int64_t w = i1 - i0;
      for (int64_t r = 0; r < n; ++r) {
        const T* row = xp + (o * n + r) * inner + i0;
#pragma omp simd
        for (int64_t j = 0; j < w; ++j) acc[j] += static_cast<Acc>(row[j]);
      }
      for (int64_t j = 0; j < w; ++j) op[o * inner + i0 + j] = static_cast<T>(acc[j] / divisor);
    });
  });
}

void max(const Tensor& x, int64_t outer, int64_t n, int64_t inner, const Tensor& values, const Tensor& index) {
  dispatch_all(x.dtype(), "max", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xp = x.data<T>();
    T* vp = values.defined() ? values.data<T>() : nullptr;
    int64_t* ip = index.data<int64_t>();
    if (inner == 1) {
      parallel_for(0, outer, rows_per_task(n), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const T* row = xp + r * n;
          MaxIndex<T> m{row[0], 0};
          for (int64_t i = 1; i < n; ++i) m.update(row[i], i);
          if (vp) vp[r] = m.value;
          ip[r] = m.index;
        }
      });
      return;
    }
    for_column_blocks(outer, n, inner, [&](int64_t o, int64_t i0, int64_t i1) {
      MaxIndex<T> m[kColumnBlock];
      const int64_t w = i1 - i0;
      const T* first = xp + o * n * inner + i0;
      for (int64_t j = 0; j < w; ++j) m[j] = {first[j], 0};
      for (int64_t r = 1; r < n; ++r) {
        const T* row = first + r * inner;
        for (int64_t j = 0; j < w; ++j) m[j].update(row[j], r);
      }
      for (int64_t j = 0; j < w; ++j) {
        if (vp) vp[o * inner + i0 + j] = m[j].value;
        ip[o * inner + i0 + j] = m[j].index;
      }
    });
  });
}

void sum_all(const Tensor& x, const Tensor& out) {
  dispatch_float(x.dtype(), "sum_all", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = acc_t<T>;
    const T* p = x.data<T>();
    Acc total = parallel_reduce<Acc>(
        0, x.numel(), kSumChunk, Acc(0),
        [&](int64_t b, int64_t e) { return lane_sum<Acc>(e - b, [&](int64_t i) { return p[b + i]; }); },
        [](Acc a, Acc c) { return a + c; });
    *out.data<T>() = static_cast<T>(total);
  });
}

void max_backward(const Tensor& g, const Tensor& index, int64_t outer, int64_t n, int64_t inner, const Tensor& out) {
  dispatch_float(g.dtype(), "max_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* gp = g.data<T>();
    const int64_t* ip = index.data<int64_t>();
    T* op = out.data<T>();
    parallel_for(0, outer, rows_per_task(n * inner), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        T* block = op + o * n * inner;
        std::fill(block, block + n * inner, T(0));
        for (int64_t i = 0; i < inner; ++i) block[ip[o * inner + i] * inner + i] = gp[o * inner + i];
      }
    });
  });
}

}  // namespace vcc::kernels::cpu
