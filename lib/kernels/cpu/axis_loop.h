#pragma once
// Parallel loops over a contiguous tensor seen as [outer, n, inner] (kernels/axis.h), for
// kernels that work along the middle axis: whole rows when inner == 1, otherwise blocks of
// up to kColumnBlock inner columns handled side by side, so inner loops stay contiguous.
#include <algorithm>
#include <cstdint>

#include "core/parallel.h"

namespace vcc::kernels::cpu {

constexpr int64_t kAxisGrain = 1 << 15;  // elements per task below which threading does not pay
constexpr int64_t kColumnBlock = 64;

// Rows per task so that a task covers at least kAxisGrain elements.
inline int64_t rows_per_task(int64_t row_elems) {
  return std::max<int64_t>(1, kAxisGrain / std::max<int64_t>(row_elems, 1));
}

// fn(o, i0, i1) for every block [i0, i1) of inner columns of every outer index, in parallel.
template <class Fn>
void for_column_blocks(int64_t outer, int64_t n, int64_t inner, Fn&& fn) {
  const int64_t blocks = (inner + kColumnBlock - 1) / kColumnBlock;
  parallel_for(0, outer * blocks, rows_per_task(n * std::min(inner, kColumnBlock)), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t o = t / blocks, i0 = (t % blocks) * kColumnBlock;
      fn(o, i0, std::min(inner, i0 + kColumnBlock));
    }
  });
}

}  // namespace vcc::kernels::cpu
