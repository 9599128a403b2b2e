#pragma once
// Element offsets of K equally-shaped strided operands at a row-major position, for CUDA
// kernels. Built on the host: size-1 dims are dropped and dims that are contiguous in every
// operand merged, so the common cases (contiguous, bias broadcast) cost one or two divisions.
#include <cstdint>

#include "core/hostdevice.h"
#include "core/shape.h"

namespace vcc::cuda {

template <int K>
struct StridedOffsets {
  int rank = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[K][kMaxDims] = {};

  StridedOffsets() = default;
  StridedOffsets(const Shape& shape, const Strides* const (&operand_strides)[K]) {
    for (int d = 0; d < shape.size(); ++d) {
      if (shape[d] == 1) continue;
      bool merge = rank > 0;
      for (int k = 0; k < K && merge; ++k)
        merge = strides[k][rank - 1] == (*operand_strides[k])[d] * shape[d];
      if (merge) {
        sizes[rank - 1] *= shape[d];
        for (int k = 0; k < K; ++k) strides[k][rank - 1] = (*operand_strides[k])[d];
      } else {
        sizes[rank] = shape[d];
        for (int k = 0; k < K; ++k) strides[k][rank] = (*operand_strides[k])[d];
        ++rank;
      }
    }
  }

  // Offsets of element `linear` (row-major over the shape) in each operand.
  VCC_HOST_DEVICE void get(int64_t linear, int64_t (&off)[K]) const {
    for (int k = 0; k < K; ++k) off[k] = 0;
    for (int d = rank - 1; d > 0; --d) {
      const int64_t i = linear % sizes[d];
      linear /= sizes[d];
      for (int k = 0; k < K; ++k) off[k] += i * strides[k][d];
    }
    if (rank > 0)
      for (int k = 0; k < K; ++k) off[k] += linear * strides[k][0];
  }
};

}  // namespace vcc::cuda
