#pragma once
// Host loop over the elements of several equally-shaped strided operands. Dimensions
// that are contiguous in every operand are merged first, so typical cases (contiguous,
// bias broadcast) become one long inner loop.
#include <cstdint>

#include "core/parallel.h"
#include "core/shape.h"

namespace vcc::kernels::cpu {

template <int K>
struct StridedLoop {
  Shape shape;          // coalesced shape
  int64_t strides[K][kMaxDims];
  int rank = 0;

  StridedLoop(const Shape& full_shape, const Strides* const (&operand_strides)[K]) {
    // Drop size-1 dims, then merge dim d into d+1 when every operand is contiguous across them.
    int64_t sh[kMaxDims];
    int64_t st[K][kMaxDims];
    int n = 0;
    for (int d = 0; d < full_shape.size(); ++d) {
      if (full_shape[d] == 1) continue;
      sh[n] = full_shape[d];
      for (int k = 0; k < K; ++k) st[k][n] = (*operand_strides[k])[d];
      ++n;
    }
    int m = 0;
    for (int d = 0; d < n; ++d) {
      if (m > 0) {
        bool merge = true;
        for (int k = 0; k < K; ++k) merge = merge && st[k][d] * sh[d] == strides[k][m - 1];
        if (merge) {
          shape[m - 1] *= sh[d];
          for (int k = 0; k < K; ++k) strides[k][m - 1] = st[k][d];
          continue;
        }
      }
      shape.push_back(sh[d]);
      for (int k = 0; k < K; ++k) strides[k][m] = st[k][d];
      ++m;
    }
    if (m == 0) {
      shape.push_back(1);
      for (int k = 0; k < K; ++k) strides[k][0] = 1;
      m = 1;
    }
    rank = m;
  }

  int64_t inner_size() const { return shape[rank - 1]; }
  int64_t inner_stride(int k) const { return strides[k][rank - 1]; }
  int64_t rows() const { return shape.numel() / inner_size(); }

  // fn(n, offsets) for every inner row; offsets are element offsets per operand.
  template <class Fn>
  void run(int64_t min_elems_per_task, Fn&& fn) const {
    const int64_t inner = inner_size();
    parallel_for(0, rows(), min_elems_per_task / inner + 1, [&](int64_t r0, int64_t r1) {
      int64_t idx[kMaxDims] = {};
      int64_t off[K] = {};
      int64_t r = r0;
      for (int d = rank - 2; d >= 0; --d) {
        idx[d] = r % shape[d];
        r /= shape[d];
        for (int k = 0; k < K; ++k) off[k] += idx[d] * strides[k][d];
      }
      for (int64_t row = r0; row < r1; ++row) {
        fn(inner, static_cast<const int64_t*>(off));
        for (int d = rank - 2; d >= 0; --d) {  // odometer increment
          ++idx[d];
          for (int k = 0; k < K; ++k) off[k] += strides[k][d];
          if (idx[d] < shape[d]) break;
          for (int k = 0; k < K; ++k) off[k] -= shape[d] * strides[k][d];
          idx[d] = 0;
        }
      }
    });
  }
};

}  // namespace vcc::kernels::cpu
