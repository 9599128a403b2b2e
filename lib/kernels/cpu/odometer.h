#pragma once
// Row-major walk over the positions of a shape that keeps each operand's element offset
// current with additions only: a task starting at position `start` pays one division per
// dimension once, then next() costs a few adds. Lets kernels split any linear range of
// positions (slices, fibers, rows) across threads without per-position divisions.
#include <cstdint>

#include "core/shape.h"

namespace vcc::kernels::cpu {

template <int K>
class Odometer {
 public:
  // shape.numel() must be positive; start in [0, shape.numel()).
  Odometer(const Shape& shape, const Strides* const (&strides)[K], int64_t start) : shape_(shape) {
    for (int k = 0; k < K; ++k) off_[k] = 0;
    for (int d = shape_.size() - 1; d >= 0; --d) {
      idx_[d] = start % shape_[d];
      start /= shape_[d];
      for (int k = 0; k < K; ++k) {
        st_[k][d] = (*strides[k])[d];
        off_[k] += idx_[d] * st_[k][d];
      }
    }
  }

  int64_t offset(int k) const { return off_[k]; }
  int64_t index(int d) const { return idx_[d]; }

  void next() {
    for (int d = shape_.size() - 1; d >= 0; --d) {
      ++idx_[d];
      for (int k = 0; k < K; ++k) off_[k] += st_[k][d];
      if (idx_[d] < shape_[d]) return;
      for (int k = 0; k < K; ++k) off_[k] -= shape_[d] * st_[k][d];
      idx_[d] = 0;
    }
  }

 private:
  Shape shape_;
  int64_t st_[K][kMaxDims] = {};
  int64_t idx_[kMaxDims] = {};
  int64_t off_[K];
};

}  // namespace vcc::kernels::cpu
